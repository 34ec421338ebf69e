// tokenizers' ByteLevel pre-tokenizer: optionally puts a space before the text, splits it into
// words with GPT-2's regex, then rewrites each word's bytes in the byte-level alphabet.
#pragma once
#include "tokenizers/pipeline.h"
#include "tokenizers/regex.h"

namespace lq::tok {

// GPT-2's word pattern as tokenizers compiles it with Oniguruma, in PCRE2 syntax. `\s` is
// spelled out as Unicode White_Space (see unicode.h); `\s+(?!\S)` leaves the last space of a
// run to the word after it, so "a   b" splits as "a", "  ", " b".
extern const char* const kGpt2SplitPattern;

class ByteLevelPreTokenizer final : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex, const std::string& where);
  using PreTokenizer::pre_tokenize;
  // Nothing is removed, so first_at_start is kept.
  void pre_tokenize(Pieces& pieces, bool& first_at_start) const override;

 private:
  bool add_prefix_space_;
  bool use_regex_;
  Regex split_regex_;
};

}  // namespace lq::tok
