// tokenizers' WordPiece model (BERT): a word longer than max_input_chars_per_word characters
// is the unk token; otherwise it is cut greedily into the longest vocabulary entries, every
// piece after the first looked up with continuing_subword_prefix ("##"), and a word with any
// part not in the vocab becomes the unk token as a whole.
#pragma once
#include <string>
#include <unordered_map>

#include "tokenizers/pipeline.h"
#include "tokenizers/string_map.h"

namespace lq::tok {

struct WordPieceConfig {
  StringMap<int32_t> vocab;
  std::string unk_token = "[UNK]";
  std::string continuing_subword_prefix = "##";
  size_t max_input_chars_per_word = 100;
};

class WordPieceModel final : public Model {
 public:
  // Throws lq::Error (naming `where`) when the unk token is not in the vocab.
  WordPieceModel(WordPieceConfig config, const std::string& where);

  void tokenize(std::string_view word, std::vector<int32_t>& ids) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  std::optional<std::string> id_to_token(int32_t id) const override;
  size_t vocab_size() const override { return config_.vocab.size(); }

 private:
  WordPieceConfig config_;
  int32_t unk_id_ = 0;
  size_t longest_token_bytes_ = 0;  // no vocabulary entry is longer: bounds the greedy search
  std::unordered_map<int32_t, std::string> id_to_token_;
};

}  // namespace lq::tok
