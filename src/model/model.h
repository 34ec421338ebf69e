// A loaded checkpoint: config, hyper-parameters, the architecture and every tensor under its
// canonical name, used in place from the memory-mapped files: a Hugging Face folder
// (config.json + safetensors) or a GGUF file (hyper-parameters translated to the equivalent
// config.json; quantized tensors stay in their ggml blocks).
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "formats/model_config.h"
#include "formats/gguf.h"
#include "formats/safetensors.h"
#include "model/arch.h"
#include "model/tensor_info.h"

namespace lq {

class Model {
 public:
  // path: a Hugging Face checkpoint folder, or a .gguf file (or the first shard of a split one).
  static std::unique_ptr<Model> load(const std::string& path);

  // The checkpoint as named by the user (folder or file): what error messages name.
  const std::string& dir() const { return dir_; }
  // The GGUF file a model was read from (metadata, tokenizer), or nullptr for a HF folder.
  const GgufFile* gguf() const { return gguf_; }
  const ModelConfig& config() const { return config_; }
  const HParams& hparams() const { return hparams_; }
  const Architecture& arch() const { return *arch_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const std::vector<std::string>& unused_tensors() const { return unused_; }
  const TensorStore& store() const { return *store_; }

  // Looks a tensor up by any of its canonical roles; nullptr when the model has none.
  const TensorInfo* find(const std::string& canonical) const;
  const TensorInfo& get(const std::string& canonical) const;
  int index_of(const std::string& canonical) const;  // -1 when absent
  int64_t parameter_count() const;

 private:
  Model() = default;
  void map_tensors();
  std::string dir_;
  ModelConfig config_;
  HParams hparams_;
  const Architecture* arch_ = nullptr;
  std::unique_ptr<TensorStore> store_;
  const GgufFile* gguf_ = nullptr;  // owned by store_
  // Tensors rewritten at load (GGUF llama Q/K rows back in Hugging Face order).
  std::vector<std::unique_ptr<TensorView>> owned_views_;
  std::vector<std::unique_ptr<std::vector<std::byte>>> owned_bytes_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, int> by_role_;
  std::vector<std::string> unused_;
};

// Replaces every "{L}" in pattern with the layer number.
std::string with_layer(const std::string& pattern, int layer);

}  // namespace lq
