// tokenizers' small text-rewriting normalizers:
//   Lowercase     Rust's char::to_lowercase on every character;
//   Strip         drops leading and/or trailing whitespace;
//   StripAccents  drops combining marks (usually after NFD/NFKD);
//   Prepend       puts a string before non-empty text (Llama-2's "▁");
//   Replace       replaces a literal or regex pattern (Llama-2's " " -> "▁").
#pragma once
#include <string>

#include "tokenizers/pipeline.h"
#include "tokenizers/replace_pattern.h"

namespace lq::tok {

class LowercaseNormalizer final : public Normalizer {
 public:
  void normalize(std::string& text) const override;
};

// The lowercased text (shared with BertNormalizer).
void lowercase(std::string& text);

class StripNormalizer final : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string& text) const override;

 private:
  bool left_, right_;
};

class StripAccentsNormalizer final : public Normalizer {
 public:
  void normalize(std::string& text) const override;
};

class PrependNormalizer final : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(std::string& text) const override {
    if (!text.empty()) text.insert(0, prefix_);
  }

 private:
  std::string prefix_;
};

class ReplaceNormalizer final : public Normalizer {
 public:
  explicit ReplaceNormalizer(ReplacePattern pattern) : pattern_(std::move(pattern)) {}
  void normalize(std::string& text) const override { pattern_.apply(text); }

 private:
  ReplacePattern pattern_;
};

}  // namespace lq::tok
