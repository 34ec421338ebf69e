// A weight matrix as the kernels see it: logical shape [out, in] (y = x W^T + b), stored in
// its checkpoint dtype either out-major ("Linear", PyTorch nn.Linear) or in-major ("Conv1D",
// GPT-2's layout). Kernels never need to know which architecture a matrix came from.
#pragma once
#include <cstdint>

#include "core/dtype.h"

namespace lq {

struct MatrixRef {
  const void* data = nullptr;
  DType dtype = DType::F32;
  int64_t out = 0, in = 0;
  bool in_major = false;  // true: stored [in, out] row-major (Conv1D); false: [out, in]

  // Element (o, i) position in storage.
  int64_t index(int64_t o, int64_t i) const { return in_major ? i * out + o : o * in + i; }
};

}  // namespace lq
