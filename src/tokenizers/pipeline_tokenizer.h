// The Tokenizer that runs the stages of pipeline.h in tokenizers' order.
#pragma once
#include <memory>

#include "tokenizers/added_tokens.h"
#include "tokenizers/pipeline.h"
#include "tokenizers/tokenizer.h"

namespace lq::tok {

struct PipelineStages {
  AddedTokens added_tokens;
  std::unique_ptr<Normalizer> normalizer;       // may be null
  std::unique_ptr<PreTokenizer> pre_tokenizer;  // may be null
  std::unique_ptr<Model> model;                 // never null
  std::unique_ptr<PostProcessor> post_processor;
  std::unique_ptr<Decoder> decoder;
};

class PipelineTokenizer final : public Tokenizer {
 public:
  explicit PipelineTokenizer(PipelineStages stages) : s_(std::move(stages)) {}

  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = false) const override;
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const override;
  std::string token_text(int32_t id) const override;
  std::string token_bytes(int32_t id) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  size_t vocab_size() const override;

 private:
  std::optional<std::string> id_to_token(int32_t id) const;
  PipelineStages s_;
};

}  // namespace lq::tok
