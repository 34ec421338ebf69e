// tokenizers' Split pre-tokenizer: a regex (or a literal string, escaped into one) splits
// every piece with a SplitBehavior; invert swaps what counts as the delimiter. Llama-3, Qwen2
// and BLOOM put one before ByteLevel(use_regex=false) to use their own word pattern.
#pragma once
#include "tokenizers/pipeline.h"
#include "tokenizers/regex.h"
#include "tokenizers/split.h"

namespace lq::tok {

class SplitPreTokenizer final : public PreTokenizer {
 public:
  // pcre2_pattern: already translated (onig_to_pcre2 / escape_regex).
  SplitPreTokenizer(const std::string& pcre2_pattern, SplitBehavior behavior, bool invert, const std::string& where)
      : regex_(pcre2_pattern, where), behavior_(behavior), invert_(invert) {}
  using PreTokenizer::pre_tokenize;
  void pre_tokenize(Pieces& pieces, bool& first_at_start) const override;

 private:
  Regex regex_;
  SplitBehavior behavior_;
  bool invert_;
};

}  // namespace lq::tok
