// The one way every command opens a checkpoint: a Hugging Face folder (config.json,
// safetensors, tokenizer.json) or a GGUF file (hyper-parameters and tokenizer from its
// metadata). The model and its tokenizer always come from the same place.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "model/model.h"
#include "tokenizers/tokenizer.h"

namespace lq {

struct Checkpoint {
  std::unique_ptr<Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
};

// path: a checkpoint folder, a .gguf file, or the first shard of a split GGUF.
Checkpoint open_checkpoint(const std::string& path);
// The tokenizer of a loaded model: tokenizer.json beside a HF checkpoint, or the GGUF's own.
std::unique_ptr<Tokenizer> open_tokenizer(const Model& model);
// The tokenizer at a path without loading weights: a folder's tokenizer.json, a tokenizer.json
// file, or a GGUF file's metadata.
std::unique_ptr<Tokenizer> open_tokenizer_at(const std::string& path);
// That tokenizer as Hugging Face tokenizer.json (what `convert` writes beside the weights).
nlohmann::json tokenizer_json_of(const Model& model);

}  // namespace lq
