// The pre-tokenizers that split on character classes rather than a regex:
//   Whitespace       keeps runs of word characters and runs of other non-space characters
//                    (Oniguruma's \w+|[^\w\s]+), dropping whitespace;
//   WhitespaceSplit  drops whitespace, keeps the rest;
//   Punctuation      cuts out punctuation characters (behaviour configurable);
//   BertPreTokenizer WhitespaceSplit, then every punctuation character on its own;
//   Digits           cuts out digits, one by one (individual_digits) or in runs.
#pragma once
#include "tokenizers/pipeline.h"
#include "tokenizers/split.h"

namespace lq::tok {

class WhitespacePreTokenizer final : public PreTokenizer {
 public:
  using PreTokenizer::pre_tokenize;
  void pre_tokenize(Pieces& pieces, bool& first_at_start) const override;
};

class WhitespaceSplitPreTokenizer final : public PreTokenizer {
 public:
  using PreTokenizer::pre_tokenize;
  void pre_tokenize(Pieces& pieces, bool& first_at_start) const override;
};

class PunctuationPreTokenizer final : public PreTokenizer {
 public:
  explicit PunctuationPreTokenizer(SplitBehavior behavior) : behavior_(behavior) {}
  using PreTokenizer::pre_tokenize;
  void pre_tokenize(Pieces& pieces, bool& first_at_start) const override;

 private:
  SplitBehavior behavior_;
};

class BertPreTokenizer final : public PreTokenizer {
 public:
  using PreTokenizer::pre_tokenize;
  void pre_tokenize(Pieces& pieces, bool& first_at_start) const override;
};

class DigitsPreTokenizer final : public PreTokenizer {
 public:
  explicit DigitsPreTokenizer(bool individual_digits) : individual_digits_(individual_digits) {}
  using PreTokenizer::pre_tokenize;
  void pre_tokenize(Pieces& pieces, bool& first_at_start) const override;

 private:
  bool individual_digits_;
};

}  // namespace lq::tok
