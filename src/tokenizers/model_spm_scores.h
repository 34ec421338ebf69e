// SentencePiece-style BPE by score, as llama.cpp runs it for tokenizer.ggml.model = "llama"
// (llm_tokenizer_spm): the text starts as one symbol per UTF-8 character; any two adjacent
// symbols whose concatenation is a vocabulary token (of any type) may merge, the one whose
// merged token has the highest score first, the leftmost on equal scores; symbols that are
// not tokens at the end become byte tokens <0xXX>.
//
// Hugging Face BPE merges ranked by the merged token's score give the same ids except where
// two merges of equal score overlap (equal scores are only broken by position here, by rank
// there), so this model, not BpeModel, is what tokenizer_from_gguf uses.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizers/pipeline.h"
#include "tokenizers/string_map.h"

namespace lq::tok {

class SpmScoresModel final : public Model {
 public:
  // tokens[i] has id i and score scores[i] (scores may be empty: all 0, as llama.cpp reads a
  // file without scores). Throws lq::Error naming `where` for repeated tokens.
  SpmScoresModel(std::vector<std::string> tokens, std::vector<float> scores, std::optional<int32_t> unk_id,
                 const std::string& where);

  void tokenize(std::string_view text, std::vector<int32_t>& ids) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  std::optional<std::string> id_to_token(int32_t id) const override;
  size_t vocab_size() const override { return tokens_.size(); }

 private:
  // The id of one byte that no token covers: <0xXX>, else the one-byte token, else unk.
  void push_byte(unsigned char byte, std::vector<int32_t>& ids) const;

  std::vector<std::string> tokens_;
  std::vector<float> scores_;
  StringMap<int32_t> ids_;
  std::array<int32_t, 256> byte_ids_{};  // -1: none
  std::string where_;
};

}  // namespace lq::tok
