// Internal to the K-quant and IQ4 writers (kquants_*.cpp, ggml_blocks.cpp): the scale searches
// of ggml's reference quantizers (ggml/src/ggml-quants.c), reimplemented with the same f32
// arithmetic in the same order, so that the chosen codes and scales are identical bit for bit.
// Every function below documents the order of its sums and products; the files that include
// this are compiled with -ffp-contract=off (a fused multiply-add would round once instead of
// twice and change the search's decisions).
//
// Conventions shared by all searches: n values x, non-negative weights w (importance), and
// integer codes written to L. A "scale" d maps a code q to q*d (plus a min where there is one).
#pragma once
#include <cstdint>
#include <cstring>

#include "core/half.h"

namespace lq::quant::ggml::search {

inline constexpr int kSuperBlock = 256;      // QK_K: weights per super-block
inline constexpr float kAllZero = 1e-15f;    // GROUP_MAX_EPS: a group below this is all zero

// ggml's nearest_int: adds 1.5 * 2^23 so that the FPU rounds v to an integer (ties to even) in
// the low mantissa bits, then reads those bits back. For |v| < 2^22 this is rint(v); outside
// that range (and for inf/NaN) it returns what ggml's bit trick returns, which is what decides
// the codes of degenerate blocks (e.g. 1/d overflowing to inf).
inline int nearest_int(float v) {
  const float shifted = v + 12582912.0f;
  int32_t bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  return (bits & 0x007fffff) - 0x00400000;
}

// Stores v as the block's f16 field at p (little-endian, round to nearest even, overflow to
// inf as ggml's GGML_FP32_TO_FP16) and returns the stored value as f32, which is what ggml
// reads back (GGML_FP16_TO_FP32(y.d)) before it requantizes with the scale.
inline float put_f16(uint8_t* p, float v) {
  const uint16_t h = f32_to_f16(v);
  p[0] = static_cast<uint8_t>(h);
  p[1] = static_cast<uint8_t>(h >> 8);
  return f16_to_f32(h);
}

// C's MIN/MAX macros as ggml writes them: MAX(a,b) = a > b ? a : b (so NaN picks b).
inline float c_max(float a, float b) { return a > b ? a : b; }

// Symmetric codes with a signed scale (make_qx_quants with rmse_type 1): codes l in
// [-nmax, nmax-1], L = l + nmax. Starts from the scale that maps the signed value of largest
// magnitude to -nmax, fits the least-squares scale sum(w x l)/sum(w l^2), then tries the 18
// grid scales -(nmax + 0.1 k)/max, k = -9..9 (k != 0), keeping one when it raises
// sum(w x l)^2 / sum(w l^2). Sums: w*x*l as (w*x)*l, w*l*l as (w*l)*l, i = 0..n-1.
// Returns the scale; an all-zero group (|x| < kAllZero) gives L = 0 (not nmax) and 0.
float symmetric_scale(int n, int nmax, const float* x, const float* w, int8_t* L);

// Q3_K's reference search (make_q3_quants with do_rmse): as above with w = x^2 and codes left
// signed during the search, then up to 5 passes that move one code at a time to
// rint(x * sum_{-i}(w l^2) / sum_{-i}(w x l)) when that raises sum(w x l)^2 / sum(w l^2).
float q3_reference_scale(int n, int nmax, const float* x, int8_t* L);

// Scale and min for codes 0..nmax (make_qkx2_quants / make_qkx3_quants, identical apart from
// names): w = weights; min clamped to <= 0; nstep+1 grid scales (rmin + rdelta*k + nmax)/(max -
// min) each refit by weighted least squares for scale and min, kept when the weighted error
// (|e| with mad, e^2 otherwise) drops. Writes -min to *neg_min. Laux: n bytes of scratch.
float scale_min(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* neg_min,
                uint8_t* Laux, float rmin, float rdelta, int nstep, bool mad);

// Codes 0..nmax for non-negative values with one positive scale (make_qp_quants): the
// K-quants' second-level quantization of sub-block scales and mins, weighted by w.
float positive_scale(int n, int nmax, const float* x, uint8_t* L, const float* w);

// ggml's kvalues_iq4nl (core/ggml_block_fields.h) as f32, the grid of IQ4_NL and IQ4_XS.
inline constexpr float kIq4Grid[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// ggml's best_index_int8 over that grid: the index of the value nearest to x; ties go to the
// upper value; x at or below the first (above the last) value gives 0 (15), NaN gives 15
// (where ggml's bisection ends). ggml bisects for the hi with grid[hi-1] <= x < grid[hi] and
// compares the two distances; here hi counts the values <= x (the grid is strictly
// increasing), which is the same hi inside the grid and makes the distance comparison return
// 0 below it and 15 above it, all without data-dependent branches.
inline int nearest_iq4_index(float x) {
  int hi = 1;
  for (int i = 1; i < 15; ++i) hi += x >= kIq4Grid[i] ? 1 : 0;
  // Distances as ggml rounds them: each difference in f32.
  const int r = x - kIq4Grid[hi - 1] < kIq4Grid[hi] - x ? hi - 1 : hi;
  return x == x ? r : 15;
}

}  // namespace lq::quant::ggml::search
