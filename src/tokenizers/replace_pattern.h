// The pattern of tokenizers' Replace normalizer and Replace decoder: {"String": s} replaces
// every occurrence of s, {"Regex": r} every match of r, leftmost first, without overlaps.
#pragma once
#include <memory>
#include <string>

#include "tokenizers/regex.h"

namespace lq::tok {

class ReplacePattern {
 public:
  static ReplacePattern literal(std::string from, std::string to);
  // onig_pattern: as written in tokenizer.json (Oniguruma syntax).
  static ReplacePattern regex(const std::string& onig_pattern, std::string to, const std::string& where);

  void apply(std::string& text) const;

 private:
  std::string from_, to_;
  std::shared_ptr<const Regex> regex_;  // null for a literal pattern
};

}  // namespace lq::tok
