// The weights a forward pass reads, by canonical name. The full-precision set points into the
// memory-mapped checkpoint; a quantization plan's set overrides some tensors with dequantized
// F32 buffers that are shared (never copied) between every set that uses them. The model
// itself is never copied per plan.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "kernels/matrix.h"
#include "model/model.h"

namespace lq {

using SharedFloats = std::shared_ptr<const std::vector<float>>;
using SharedHalves = std::shared_ptr<const std::vector<uint16_t>>;  // IEEE binary16 bits

class WeightSet {
 public:
  explicit WeightSet(const Model& model);

  const Model& model() const { return *model_; }
  MatrixRef matrix(const std::string& canonical) const;
  // F32 data of a 1-D tensor (bias, norm); nullptr when the model has no such tensor.
  const float* vector(const std::string& canonical) const;
  // Row r of an embedding table [rows, n_embd] as F32.
  void embedding_row(const std::string& canonical, int64_t r, float* dst) const;

  // Replaces the values of tensor `index` (model().tensors()) with F32 data in [out, in]
  // order for matrices, storage order for vectors.
  void override_tensor(int index, SharedFloats values);
  // Same for a matrix whose new values are all binary16 (a tensor kept at fp16): half the memory
  // of F32, and linear() converts it slab by slab like an F16 checkpoint.
  void override_matrix_f16(int index, SharedHalves values);
  bool is_overridden(int index) const { return overrides_[index] || half_overrides_[index]; }

 private:
  const Model* model_;
  std::vector<SharedFloats> vectors_;    // 1-D tensors converted once to F32 (small)
  std::vector<SharedFloats> overrides_;  // per tensor index; null = stored weights
  std::vector<SharedHalves> half_overrides_;
};

}  // namespace lq
