#include "tokenizers/pre_tokenizer_metaspace.h"

#include "tokenizers/split.h"
#include "tokenizers/unicode.h"

namespace lq::tok {

MetaspacePreTokenizer::MetaspacePreTokenizer(char32_t replacement, PrependScheme scheme, bool split)
    : replacement_(encode_utf8(replacement)), replacement_cp_(replacement), scheme_(scheme), split_(split) {}

void MetaspacePreTokenizer::pre_tokenize(Pieces& pieces, bool& first_at_start) const {
  std::string rewritten;
  for (size_t p = 0; p < pieces.size(); ++p) {
    std::string& piece = pieces[p];
    rewritten.clear();
    const bool prepend = scheme_ == PrependScheme::kAlways || (scheme_ == PrependScheme::kFirst && p == 0 && first_at_start);
    // Prepending needs a non-empty piece that does not already start with the replacement
    // (after the spaces are replaced).
    if (prepend && !piece.empty() && piece[0] != ' ' && piece.compare(0, replacement_.size(), replacement_) != 0) {
      rewritten = replacement_;
    }
    for (const char c : piece) {
      if (c == ' ') {
        rewritten += replacement_;
      } else {
        rewritten += c;
      }
    }
    piece.swap(rewritten);
  }
  if (!split_) return;
  split_pieces(pieces, first_at_start, SplitBehavior::kMergedWithNext, [&](std::string_view text, Spans& spans) {
    char_spans(text, [&](char32_t cp) { return cp == replacement_cp_; }, spans);
  });
}

}  // namespace lq::tok
