// A weight matrix as the kernels see it: logical shape [out, in] (y = x W^T + b), stored in
// its checkpoint dtype either out-major ("Linear", PyTorch nn.Linear) or in-major ("Conv1D",
// GPT-2's layout), or in a compressed form behind a RowDecoder (quantized codes and scales)
// that expands whole output rows to F32 on demand. Kernels never need to know which
// architecture or quantization format a matrix came from.
#pragma once
#include <cstdint>

#include "core/dtype.h"

namespace lq {

// A matrix held compressed: only whole output rows can be read, expanded to F32. Expanding
// must be deterministic and thread-safe (const); linear() calls it slab by slab.
class RowDecoder {
 public:
  virtual ~RowDecoder() = default;
  // dst[n * in] = rows [first, first + n) of the logical [out, in] matrix.
  virtual void decode_rows(int64_t first, int64_t n, float* dst) const = 0;
  virtual size_t bytes() const = 0;  // memory held
  virtual int64_t rows() const = 0;   // out
  virtual int64_t cols() const = 0;   // in
};

struct MatrixRef {
  const void* data = nullptr;
  DType dtype = DType::F32;
  int64_t out = 0, in = 0;
  bool in_major = false;  // true: stored [in, out] row-major (Conv1D); false: [out, in]
  const RowDecoder* decoder = nullptr;  // set: the matrix is read through it (data, dtype unused)

  // Element (o, i) position in storage (not for decoder-backed matrices).
  int64_t index(int64_t o, int64_t i) const { return in_major ? i * out + o : o * in + i; }
};

}  // namespace lq
