#include "tokenizers/normalizer_bert.h"

#include "tokenizers/normalizer_text.h"
#include "tokenizers/normalizer_unicode.h"
#include "tokenizers/unicode.h"

namespace lq::tok {
namespace {

// The CJK Unified Ideographs blocks BERT treats as words of their own (not Hangul or kana).
bool is_chinese_char(char32_t cp) {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
         (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b920 && cp <= 0x2ceaf) ||
         (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f);
}

// Rewrites text character by character; edit(cp, out) appends what cp becomes.
template <class Edit>
void rewrite(std::string& text, Edit&& edit) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (size_t i = 0; i < text.size();) edit(decode_utf8(text, i), out);
  text.swap(out);
}

}  // namespace

void BertNormalizer::normalize(std::string& text) const {
  if (clean_text_) {
    rewrite(text, [](char32_t cp, std::string& out) {
      if (is_bert_removed_control(cp)) return;
      if (cp == '\t' || cp == '\n' || cp == '\r' || is_white_space(cp)) {
        out += ' ';
      } else {
        out += encode_utf8(cp);
      }
    });
  }
  if (handle_chinese_chars_) {
    rewrite(text, [](char32_t cp, std::string& out) {
      if (is_chinese_char(cp)) {
        out += ' ';
        out += encode_utf8(cp);
        out += ' ';
      } else {
        out += encode_utf8(cp);
      }
    });
  }
  if (strip_accents_) {
    normalize_unicode(text, NormalForm::kNFD);
    rewrite(text, [](char32_t cp, std::string& out) {
      if (!is_bert_nonspacing_mark(cp)) out += encode_utf8(cp);
    });
  }
  if (lowercase_) lowercase(text);
}

}  // namespace lq::tok
