// A loaded checkpoint: config, hyper-parameters, the architecture and every tensor under its
// canonical name, used in place from the memory-mapped safetensors files.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "formats/model_config.h"
#include "formats/safetensors.h"
#include "model/arch.h"
#include "model/tensor_info.h"

namespace lq {

class Model {
 public:
  static std::unique_ptr<Model> load(const std::string& dir);

  const std::string& dir() const { return dir_; }
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
  std::string dir_;
  ModelConfig config_;
  HParams hparams_;
  const Architecture* arch_ = nullptr;
  std::unique_ptr<TensorStore> store_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, int> by_role_;
  std::vector<std::string> unused_;
};

// Replaces every "{L}" in pattern with the layer number.
std::string with_layer(const std::string& pattern, int layer);

}  // namespace lq
