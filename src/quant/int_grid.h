// k-bit integer quantization of one contiguous span of weights (a whole tensor, one output
// row, or one group of a row) on a uniform grid:
//   code  = clamp(rint(w / scale) + zero, qmin, qmax)     rint: nearest, ties to even
//   value = (code - zero) * scale                          (f32 arithmetic throughout)
// symmetric: zero = 0, codes -(2^(k-1)-1)..2^(k-1)-1 (the level -2^(k-1) is not used, so the
//   grid is symmetric; int2 has the three levels -1, 0, 1), scale = clip / (2^(k-1)-1).
// asymmetric: codes 0..2^k-1, the clip range [lo, hi] is widened to contain 0, scale =
//   (hi - lo) / (2^k - 1), zero = clamp(rint(-lo / scale), 0, 2^k-1): lo and hi then
//   dequantize within scale/2, and 0 exactly.
// A scale stored as F16 (per channel / group) is rounded to f16 before use, saturated to
// [2^-24, 65504], so the simulation uses exactly the stored scale.
#pragma once
#include <cstddef>
#include <cstdint>

#include "quant/format.h"

namespace lq::quant {

struct IntGrid {
  float scale = 0;  // 0: every weight becomes 0
  int32_t zero = 0;
  int32_t qmin = 0, qmax = 0;
};

// Grid covering the clip range [lo, hi] (symmetric: [-c, c] with c = max(|lo|, |hi|)).
IntGrid make_grid(float lo, float hi, int bits, bool asym, bool f16_scale);
int32_t encode(float w, const IntGrid& g);
float decode(int32_t code, const IntGrid& g);
inline float fake_quant(float w, const IntGrid& g) { return decode(encode(w, g), g); }

// The grid f's scale method picks for w[0..n) (f.kind must be Int). f16_scale: the scale is
// stored as F16. parallel: use OpenMP inside (a whole tensor); results do not depend on it
// or on the thread count (sums run over fixed chunks, combined in order).
IntGrid choose_grid(const Format& f, const float* w, size_t n, bool f16_scale, bool parallel);

// out[i] = fake_quant(w[i]) on choose_grid's grid. out may alias w.
void fake_quantize_span(const Format& f, const float* w, float* out, size_t n, bool f16_scale,
                        bool parallel);

// Linear-interpolated percentile (numpy's default) of v, p in [0, 100]; reorders v.
float percentile(float* v, size_t n, double p);

}  // namespace lq::quant
