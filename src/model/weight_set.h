// The weights a forward pass reads, by canonical name. The full-precision set points into the
// memory-mapped checkpoint; a quantization plan's set overrides some tensors: matrices with a
// compressed form behind a RowDecoder (quantized codes and scales, or binary16), expanded slab
// by slab in linear(); 1-D tensors and the odd matrix with F32 buffers. Overrides are shared
// (never copied) between every set that uses them, and the model itself is never copied.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "kernels/matrix.h"
#include "model/model.h"

namespace lq {

using SharedFloats = std::shared_ptr<const std::vector<float>>;
using SharedDecoder = std::shared_ptr<const RowDecoder>;

class WeightSet {
 public:
  explicit WeightSet(const Model& model);

  const Model& model() const { return *model_; }
  MatrixRef matrix(const std::string& canonical) const;
  // F32 data of a 1-D tensor (bias, norm); nullptr when the model has no such tensor.
  const float* vector(const std::string& canonical) const;
  // Row r of an embedding table [rows, n_embd] as F32.
  void embedding_row(const std::string& canonical, int64_t r, float* dst) const;
  // Logical row r ([out, in] order) of any matrix as F32, whatever its storage.
  void matrix_row(const std::string& canonical, int64_t r, float* dst) const;

  // Replaces the values of tensor `index` (model().tensors()) with F32 data in [out, in]
  // order for matrices, storage order for vectors.
  void override_tensor(int index, SharedFloats values);
  // Replaces a matrix with a compressed one of the same logical [out, in] shape.
  void override_matrix(int index, SharedDecoder values);
  bool is_overridden(int index) const { return overrides_[index] || decoders_[index]; }
  // What tensor `index` reads: its shared override, or nullptr for the stored weights. Equal
  // identities mean equal values (overrides are immutable and shared, never copied), so sets can
  // be told to share a computation without comparing values (eval/plan_tree.h).
  const void* tensor_identity(int index) const {
    if (overrides_[index]) return overrides_[index].get();
    return decoders_[index].get();
  }
  // Bytes held by overrides (each shared buffer counted once per set).
  size_t override_bytes() const;

 private:
  const Model* model_;
  std::vector<SharedFloats> vectors_;    // 1-D tensors converted once to F32 (small)
  std::vector<SharedFloats> overrides_;  // per tensor index; null = stored weights
  std::vector<SharedDecoder> decoders_;
};

}  // namespace lq
