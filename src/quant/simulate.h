// The quantization simulator's entry point: fake-quantize a weight matrix (quantize to the
// format, dequantize back to f32), as the rest of langquant sees it.
// Matrices are row-major [rows = output channels, cols = input dim]; per-channel scales are per
// row, groups and ggml blocks run along a row. 1-D tensors (biases, norms) are one row.
// Rows run in parallel with OpenMP; the result is the same for any thread count.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "quant/format.h"

namespace lq::quant {

// Throws lq::Error if f is not a valid format (e.g. hand-built with bits = 9) or the shape does
// not suit it (ggml formats need cols % 32 == 0).
void check_shape(const Format& f, int64_t rows, int64_t cols);

// out[rows*cols] = dequant(quant(w)). out may be w (in place).
void fake_quantize(const Format& f, const float* w, float* out, int64_t rows, int64_t cols);
std::vector<float> fake_quantize(const Format& f, std::span<const float> w, int64_t rows,
                                 int64_t cols);
// A 1-D tensor as a single row of n.
void fake_quantize_vector(const Format& f, const float* w, float* out, int64_t n);

}  // namespace lq::quant
