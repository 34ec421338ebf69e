// tokenizers' Metaspace pre-tokenizer (SentencePiece style): spaces become the replacement
// character (default "▁"), which is also put before the text (prepend_scheme "always": every
// piece; "first": only a piece starting the original text; "never"), and with split=true each
// piece is cut before every replacement character.
#pragma once
#include "tokenizers/pipeline.h"

namespace lq::tok {

enum class PrependScheme { kAlways, kFirst, kNever };

class MetaspacePreTokenizer final : public PreTokenizer {
 public:
  MetaspacePreTokenizer(char32_t replacement, PrependScheme scheme, bool split);
  using PreTokenizer::pre_tokenize;
  // Nothing is removed, so first_at_start is kept.
  void pre_tokenize(Pieces& pieces, bool& first_at_start) const override;

 private:
  std::string replacement_;  // UTF-8
  char32_t replacement_cp_;
  PrependScheme scheme_;
  bool split_;
};

}  // namespace lq::tok
