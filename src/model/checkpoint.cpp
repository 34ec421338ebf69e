#include "model/checkpoint.h"

#include <filesystem>

#include "core/error.h"
#include "core/json_file.h"
#include "core/mapped_file.h"
#include "tokenizers/gguf_vocab_reader.h"

namespace lq {

namespace {
std::string hf_tokenizer_path(const Model& model) {
  const auto path = std::filesystem::path(model.dir()) / "tokenizer.json";
  if (!std::filesystem::exists(path)) fail(path.string(), "missing (the checkpoint folder needs a tokenizer.json)");
  return path.string();
}
}  // namespace

std::unique_ptr<Tokenizer> open_tokenizer(const Model& model) {
  if (model.gguf()) return tokenizer_from_gguf(read_gguf_vocab(*model.gguf()));
  return load_tokenizer(hf_tokenizer_path(model));
}

std::unique_ptr<Tokenizer> open_tokenizer_at(const std::string& path) {
  std::error_code ec;
  const bool json = std::filesystem::path(path).extension() == ".json";
  if (std::filesystem::is_regular_file(path, ec) && !json) return tokenizer_from_gguf(read_gguf_vocab(GgufFile(path)));
  return load_tokenizer(find_tokenizer_json(path));
}

nlohmann::json tokenizer_json_of(const Model& model) {
  if (model.gguf()) return tokenizer_json_from_gguf(read_gguf_vocab(*model.gguf()));
  const std::string path = hf_tokenizer_path(model);
  return read_json_file(path);
}

Checkpoint open_checkpoint(const std::string& path) {
  Checkpoint c;
  c.model = Model::load(path);
  c.tokenizer = open_tokenizer(*c.model);
  return c;
}

}  // namespace lq
