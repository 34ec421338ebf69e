// y[M, out] = x[M, in] W^T (+ bias), through OpenBLAS. F32 weights are used in place;
// F16/BF16 weights are converted to F32 slab by slab into a reusable scratch buffer, so a model
// never holds an F32 copy of its half-precision weights (what lets a 7B BF16 model fit).
// Quantized matrices (MatrixRef::decoder) are expanded the same way, slab by slab.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/matrix.h"

namespace lq {

class LinearScratch {
 public:
  float* get(size_t n);

 private:
  std::vector<float> buf_;
};

void linear(const float* x, int64_t M, const MatrixRef& W, const float* bias, float* y,
            LinearScratch& scratch);

// Plain triple-loop twin of linear(), the reference the optimised path is tested against.
void linear_reference(const float* x, int64_t M, const MatrixRef& W, const float* bias, float* y);

}  // namespace lq
