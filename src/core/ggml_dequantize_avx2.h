// Internal to core/ggml_dequantize: the AVX2 kernels (ggml_dequantize_avx2.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/dtype.h"

namespace lq {
// Expands n elements (whole blocks, checked by the caller) of block type t; false, touching
// nothing, when this build has no vector kernel for t (not an AVX2+F16C build, or a plain type).
bool dequantize_blocks_avx2(DType t, const std::byte* src, int64_t n, float* dst);
}  // namespace lq
