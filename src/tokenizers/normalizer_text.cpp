#include "tokenizers/normalizer_text.h"

#include "tokenizers/unicode.h"

namespace lq::tok {

void lowercase(std::string& text) {
  size_t i = 0;
  while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80) {
    if (text[i] >= 'A' && text[i] <= 'Z') text[i] = static_cast<char>(text[i] + 32);
    ++i;
  }
  if (i == text.size()) return;  // ASCII, done in place
  std::string out(text, 0, i);
  out.reserve(text.size() + 8);
  while (i < text.size()) append_lowercase(decode_utf8(text, i), out);
  text.swap(out);
}

void LowercaseNormalizer::normalize(std::string& text) const { lowercase(text); }

void StripNormalizer::normalize(std::string& text) const {
  size_t begin = 0, end = text.size();
  if (left_) {
    while (begin < end) {
      size_t next = begin;
      if (!is_white_space(decode_utf8(text, next))) break;
      begin = next;
    }
  }
  if (right_) {
    while (end > begin) {
      size_t start = end - 1;
      while (start > begin && (static_cast<unsigned char>(text[start]) & 0xc0) == 0x80) --start;
      size_t probe = start;
      if (!is_white_space(decode_utf8(text, probe))) break;
      end = start;
    }
  }
  text = text.substr(begin, end - begin);
}

void StripAccentsNormalizer::normalize(std::string& text) const {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t start = i;
    if (!is_combining_mark(decode_utf8(text, i))) out.append(text, start, i - start);
  }
  text.swap(out);
}

}  // namespace lq::tok
