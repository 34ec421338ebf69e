// Every tensor of a checkpoint by its stored name, whatever the container: a Hugging Face
// folder of safetensors files or a GGUF file. Tensors are views into memory-mapped files;
// the store owns the mappings and outlives every view it hands out.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/tensor_view.h"

namespace lq {

class TensorStore {
 public:
  virtual ~TensorStore() = default;
  const TensorView* find(const std::string& name) const {
    auto it = all().find(name);
    return it == all().end() ? nullptr : it->second;
  }
  const TensorView& get(const std::string& name) const;  // throws naming the checkpoint
  virtual const std::map<std::string, const TensorView*>& all() const = 0;
  // The checkpoint as the user named it: a folder or a .gguf file.
  virtual const std::string& path() const = 0;
  virtual std::vector<std::string> files() const = 0;
};

}  // namespace lq
