// A typed, non-owning view of one tensor's bytes (usually inside a memory-mapped file).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace lq {

struct TensorView {
  std::string name;  // name as stored in the file
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const std::byte* data = nullptr;
  size_t nbytes = 0;

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  int64_t dim(size_t i) const { return shape.at(i); }
  std::string shape_string() const;
};

// Copies any weight tensor to float32: exact for F16/BF16, and ggml block types expand bit for
// bit as ggml does (core/ggml_dequantize.h).
std::vector<float> to_f32(const TensorView& t);
// Converts elements [offset, offset + n) (row-major element numbers; any offset and n, also
// inside a block) of a weight tensor into dst. Nothing is read when n is 0.
void convert_to_f32(const TensorView& t, size_t offset, size_t n, float* dst);

}  // namespace lq
