#include "tokenizers/pre_tokenizer_split.h"

namespace lq::tok {

void SplitPreTokenizer::pre_tokenize(Pieces& pieces, bool& first_at_start) const {
  split_pieces(pieces, first_at_start, behavior_, [&](std::string_view text, Spans& spans) {
    spans.clear();
    regex_.for_each_span(text, [&](size_t start, size_t end, bool is_match) {
      spans.push_back({start, end, is_match != invert_});
    });
  });
}

}  // namespace lq::tok
