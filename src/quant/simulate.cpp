#include "quant/simulate.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/error.h"
#include "core/half.h"
#include "quant/ggml_blocks.h"
#include "quant/int_grid.h"

namespace lq::quant {
namespace {

constexpr int64_t kParallelMin = 1 << 14;  // below this many weights threads do not pay


void fake_ggml(const Format& f, const float* w, float* out, int64_t rows, int64_t cols) {
  const ggml::BlockType t = ggml::block_type_of(f.kind);
  const size_t row_bytes = ggml::row_bytes(t, cols);
#pragma omp parallel if (rows * cols >= kParallelMin)
  {
    std::vector<uint8_t> buf(row_bytes);
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      ggml::quantize_row_into(t, w + r * cols, cols, buf.data());
      ggml::dequantize_row(t, buf.data(), out + r * cols, cols);
    }
  }
}

void fake_int(const Format& f, const float* w, float* out, int64_t rows, int64_t cols) {
  const bool par = rows * cols >= kParallelMin;
  if (f.granularity == Granularity::Tensor) {
    fake_quantize_span(f, w, out, static_cast<size_t>(rows * cols), /*f16_scale=*/false, par);
    return;
  }
  const int64_t g = f.granularity == Granularity::Channel ? std::max<int64_t>(cols, 1) : f.group;
#pragma omp parallel for schedule(dynamic, 4) if (par)
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c0 = 0; c0 < cols; c0 += g)
      fake_quantize_span(f, w + r * cols + c0, out + r * cols + c0,
                         static_cast<size_t>(std::min(g, cols - c0)), /*f16_scale=*/true, false);
}

}  // namespace

void check_shape(const Format& f, int64_t rows, int64_t cols) {
  const std::string where = "quant " + canonical_name(f);
  if (rows < 0 || cols < 0) fail(where, "negative shape");
  if (f.kind == Kind::Int) {
    if (f.bits < 2 || f.bits > 8) fail(where, "integer width must be 2..8 bits");
    if (f.granularity == Granularity::Group && f.group < 1) fail(where, "group size must be >= 1");
    if (f.method == ScaleMethod::Percentile && !(f.percentile > 0 && f.percentile <= 100))
      fail(where, "percentile must be in (0, 100]");
  }
  if (is_ggml_block(f.kind) && cols % ggml_block_weights(f.kind) != 0)
    fail(where, "rows of " + std::to_string(cols) + " weights: " + canonical_name(f) +
                    " needs a multiple of " + std::to_string(ggml_block_weights(f.kind)));
}

void fake_quantize(const Format& f, const float* w, float* out, int64_t rows, int64_t cols) {
  check_shape(f, rows, cols);
  const int64_t n = rows * cols;
  switch (f.kind) {
    case Kind::F32:
      if (out != w) std::memmove(out, w, static_cast<size_t>(n) * sizeof(float));
      return;
    case Kind::F16:
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
      for (int64_t i = 0; i < n; ++i) out[i] = f16_to_f32(f32_to_f16(w[i]));
      return;
    case Kind::BF16:
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
      for (int64_t i = 0; i < n; ++i) out[i] = bf16_to_f32(f32_to_bf16(w[i]));
      return;
    case Kind::Int: fake_int(f, w, out, rows, cols); return;
    default: fake_ggml(f, w, out, rows, cols); return;
  }
}

std::vector<float> fake_quantize(const Format& f, std::span<const float> w, int64_t rows,
                                 int64_t cols) {
  if (rows < 0 || cols < 0 || static_cast<uint64_t>(rows * cols) != w.size())
    fail("quant " + canonical_name(f), "shape [" + std::to_string(rows) + ", " +
                                           std::to_string(cols) + "] does not match " +
                                           std::to_string(w.size()) + " weights");
  std::vector<float> out(w.size());
  fake_quantize(f, w.data(), out.data(), rows, cols);
  return out;
}

void fake_quantize_vector(const Format& f, const float* w, float* out, int64_t n) {
  fake_quantize(f, w, out, 1, n);
}

}  // namespace lq::quant
