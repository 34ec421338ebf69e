// tokenizers' Sequence normalizer, pre-tokenizer and decoder: the parts run in order, each on
// the output of the one before.
#pragma once
#include <memory>
#include <vector>

#include "tokenizers/pipeline.h"

namespace lq::tok {

class NormalizerSequence final : public Normalizer {
 public:
  explicit NormalizerSequence(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
  void normalize(std::string& text) const override {
    for (const auto& part : parts_) part->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

class PreTokenizerSequence final : public PreTokenizer {
 public:
  explicit PreTokenizerSequence(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}
  using PreTokenizer::pre_tokenize;
  void pre_tokenize(Pieces& pieces, bool& first_at_start) const override {
    for (const auto& part : parts_) part->pre_tokenize(pieces, first_at_start);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

class PostProcessorSequence final : public PostProcessor {
 public:
  explicit PostProcessorSequence(std::vector<std::unique_ptr<PostProcessor>> parts) : parts_(std::move(parts)) {}
  void process(std::vector<int32_t>& ids, bool add_special_tokens) const override {
    for (const auto& part : parts_) part->process(ids, add_special_tokens);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> parts_;
};

class DecoderSequence final : public Decoder {
 public:
  explicit DecoderSequence(std::vector<std::unique_ptr<Decoder>> parts) : parts_(std::move(parts)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& part : parts_) part->decode_chain(tokens);
  }
  // Each part's per-token view in turn (e.g. Llama-2: "▁" -> " ", then <0xNN> -> byte).
  std::string token_bytes(std::string_view token) const override {
    std::string bytes(token);
    for (const auto& part : parts_) bytes = part->token_bytes(bytes);
    return bytes;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

}  // namespace lq::tok
