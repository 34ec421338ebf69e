#include "tokenizers/pre_tokenizer_char_class.h"

#include "tokenizers/unicode.h"

namespace lq::tok {

void WhitespacePreTokenizer::pre_tokenize(Pieces& pieces, bool& first_at_start) const {
  // Each character is word, space or other; a run of word or of other characters is a piece
  // and the whitespace between pieces is the (removed) delimiter.
  enum Kind { kWord, kSpace, kOther };
  auto kind_of = [](char32_t cp) { return is_white_space(cp) ? kSpace : is_word_char(cp) ? kWord : kOther; };
  split_pieces(pieces, first_at_start, SplitBehavior::kRemoved, [&](std::string_view text, Spans& spans) {
    spans.clear();
    size_t run_start = 0;
    int run_kind = -1;
    for (size_t i = 0; i < text.size();) {
      const size_t start = i;
      const Kind kind = kind_of(decode_utf8(text, i));
      if (kind == run_kind) continue;
      if (run_kind >= 0) spans.push_back({run_start, start, run_kind == kSpace});
      run_start = start;
      run_kind = kind;
    }
    if (run_kind >= 0) spans.push_back({run_start, text.size(), run_kind == kSpace});
  });
}

void WhitespaceSplitPreTokenizer::pre_tokenize(Pieces& pieces, bool& first_at_start) const {
  split_pieces(pieces, first_at_start, SplitBehavior::kRemoved, [](std::string_view text, Spans& spans) {
    char_spans(text, is_white_space, spans);
  });
}

void PunctuationPreTokenizer::pre_tokenize(Pieces& pieces, bool& first_at_start) const {
  split_pieces(pieces, first_at_start, behavior_, [](std::string_view text, Spans& spans) {
    char_spans(text, is_bert_punctuation, spans);
  });
}

void BertPreTokenizer::pre_tokenize(Pieces& pieces, bool& first_at_start) const {
  WhitespaceSplitPreTokenizer().pre_tokenize(pieces, first_at_start);
  PunctuationPreTokenizer(SplitBehavior::kIsolated).pre_tokenize(pieces, first_at_start);
}

void DigitsPreTokenizer::pre_tokenize(Pieces& pieces, bool& first_at_start) const {
  const SplitBehavior behavior = individual_digits_ ? SplitBehavior::kIsolated : SplitBehavior::kContiguous;
  split_pieces(pieces, first_at_start, behavior, [](std::string_view text, Spans& spans) {
    char_spans(text, is_numeric, spans);
  });
}

}  // namespace lq::tok
