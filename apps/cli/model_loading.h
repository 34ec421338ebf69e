// Loading what the computing commands share: a checkpoint and the tokenizer beside it.
#pragma once
#include <filesystem>
#include <memory>
#include <string>

#include "core/error.h"
#include "model/model.h"
#include "tokenizers/tokenizer.h"

namespace lq::cli {

inline std::unique_ptr<Tokenizer> load_model_tokenizer(const std::string& dir) {
  const auto path = std::filesystem::path(dir) / "tokenizer.json";
  if (!std::filesystem::exists(path)) fail(path.string(), "missing (the checkpoint folder needs a tokenizer.json)");
  return load_tokenizer(path.string());
}

}  // namespace lq::cli
