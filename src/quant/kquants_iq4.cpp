// IQ4_NL and IQ4_XS writers (see kquants.h): 4-bit codes into ggml's non-linear grid
// kvalues_iq4nl (-127 .. 113), times a scale. Layouts (core/ggml_dequantize.cpp reads them):
//   IQ4_NL  18 B: f16 d | qs[16]                                  w = d * grid[q]
//   IQ4_XS 136 B: f16 d | u16 scales_h | scales_l[4] | qs[128]    w = (d*(sc-32)) * grid[q]
// qs of every 32 weights: weight j in the low nibble of byte j, weight j+16 in the high one.
// Compiled with -ffp-contract=off.
#include <cmath>
#include <cstring>

#include "core/ggml_block_fields.h"
#include "quant/kquants.h"
#include "quant/kquants_search.h"

namespace lq::quant::ggml::kquants {
namespace {

using search::nearest_int;
using search::put_f16;

constexpr int kSub = 32;
constexpr const int8_t* kGrid = ggml_fields::kIq4nlGrid;
static_assert([] {
  for (int i = 0; i < 16; ++i)
    if (search::kIq4Grid[i] != static_cast<float>(kGrid[i])) return false;
  return true;
}(), "the search's f32 grid is ggml's kvalues_iq4nl");

int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// One sub-block's scale (ggml's quantize_row_iq4_nl_impl, first half): start from d = the
// signed absmax over -127 (or its negative), codes by nearest grid value, least-squares d; then
// with ntry > 0 try the 2*ntry+1 inverse scales (k - 127)/max, keeping the best
// sum(w q x)^2 / sum(w q^2). Writes the codes of the starting scale to L (as ggml does; they
// are used only where no later step rewrites them). Returns 0 for an all-zero sub-block,
// leaving L as it was.
float sub_block_scale(const float* x, const float* w, int ntry, uint8_t* L) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < kSub; ++j) {
    const float a = std::fabs(x[j]);
    if (a > amax) {
      amax = a;
      max = x[j];
    }
  }
  if (amax < search::kAllZero) return 0.0f;
  const auto g0 = static_cast<float>(kGrid[0]);
  float d = ntry > 0 ? -max / g0 : max / g0;
  float id = 1.0f / d;
  float sumqx = 0.0f, sumq2 = 0.0f;
  for (int j = 0; j < kSub; ++j) {
    const int l = search::nearest_iq4_index(id * x[j]);
    L[j] = static_cast<uint8_t>(l);
    const auto q = static_cast<float>(kGrid[l]);
    sumqx += w[j] * q * x[j];
    sumq2 += w[j] * q * q;
  }
  d = sumq2 > 0.0f ? sumqx / sumq2 : 0.0f;
  float best = d * sumqx;
  for (int k = -ntry; k <= ntry; ++k) {
    id = static_cast<float>(k + kGrid[0]) / max;
    sumqx = sumq2 = 0.0f;
    for (int j = 0; j < kSub; ++j) {
      const auto q = static_cast<float>(kGrid[search::nearest_iq4_index(id * x[j])]);
      sumqx += w[j] * q * x[j];
      sumq2 += w[j] * q * q;
    }
    if (sumq2 > 0.0f && sumqx * sumqx > best * sumq2) {
      d = sumqx / sumq2;
      best = d * sumqx;
    }
  }
  return d;
}

// Importance per weight: qw * sqrt(sigma2 + x^2) with an imatrix, x^2 without.
void weights_of(const float* x, const float* qw, float sigma2, float* w) {
  if (qw) {
    for (int j = 0; j < kSub; ++j) w[j] = qw[j] * std::sqrt(sigma2 + x[j] * x[j]);
  } else {
    for (int j = 0; j < kSub; ++j) w[j] = x[j] * x[j];
  }
}

// sigma^2 of ggml's importance: twice the mean square of the (super-)block.
float sigma2_of(const float* x, int n) {
  float s = 0.0f;
  for (int j = 0; j < n; ++j) s += x[j] * x[j];
  return s * (2.0f / static_cast<float>(n));
}

void pack_codes(const uint8_t* L, int n, uint8_t* qs) {
  for (int i = 0; i < n / kSub; ++i)
    for (int j = 0; j < 16; ++j) qs[16 * i + j] = static_cast<uint8_t>(L[kSub * i + j] | L[kSub * i + 16 + j] << 4);
}

// IQ4_NL block. L persists across the blocks of a row, as ggml's does within one call: the
// reference path (ntry = -1) never rewrites the codes of an all-zero block, so ggml stores the
// previous block's codes there (d = 0, so they decode to 0 either way).
void iq4_nl_block(const float* x, const float* qw, int ntry, uint8_t* L, uint8_t* b) {
  float w[kSub];
  weights_of(x, qw, sigma2_of(x, kSub), w);
  const float d = sub_block_scale(x, w, ntry, L);
  put_f16(b, d);
  if (ntry > 0) {
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    for (int j = 0; j < kSub; ++j) L[j] = static_cast<uint8_t>(search::nearest_iq4_index(id * x[j]));
  }
  pack_codes(L, kSub, b + 2);
}

// IQ4_XS super-block: eight sub-block scales, then one f16 d = -max_scale/32 (the scale of
// largest magnitude) and 6-bit sub-block scales rint(sc/d) in -32..31; codes requantized with
// the f32 d times that integer (ggml does not round d to f16 for this step).
void iq4_xs_block(const float* x, const float* qw, uint8_t* b) {
  uint8_t L[256];
  float w[kSub], scales[8];
  const float sigma2 = sigma2_of(x, 256);
  float max_scale = 0.0f, amax_scale = 0.0f;
  for (int ib = 0; ib < 8; ++ib) {
    weights_of(x + kSub * ib, qw ? qw + kSub * ib : nullptr, sigma2, w);
    scales[ib] = sub_block_scale(x + kSub * ib, w, 7, L + kSub * ib);
    const float a = std::fabs(scales[ib]);
    if (a > amax_scale) {
      amax_scale = a;
      max_scale = scales[ib];
    }
  }
  const float d = -max_scale / 32.0f;
  put_f16(b, d);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  uint16_t scales_h = 0;
  uint8_t* scales_l = b + 4;
  for (int ib = 0; ib < 8; ++ib) {
    const int l = clamp_int(nearest_int(id * scales[ib]), -32, 31);
    const float dl = d * static_cast<float>(l);
    const float idl = dl != 0.0f ? 1.0f / dl : 0.0f;
    for (int j = 0; j < kSub; ++j)
      L[kSub * ib + j] = static_cast<uint8_t>(search::nearest_iq4_index(idl * x[kSub * ib + j]));
    const int biased = l + 32;
    if (ib % 2 == 0) scales_l[ib / 2] = static_cast<uint8_t>(biased & 0xF);
    else scales_l[ib / 2] = static_cast<uint8_t>(scales_l[ib / 2] | (biased & 0xF) << 4);
    scales_h = static_cast<uint16_t>(scales_h | (biased >> 4) << (2 * ib));
  }
  b[2] = static_cast<uint8_t>(scales_h);
  b[3] = static_cast<uint8_t>(scales_h >> 8);
  pack_codes(L, 256, b + 8);
}

}  // namespace

void iq4_nl(const float* x, int64_t n, uint8_t* out, const float* qw, bool reference) {
  uint8_t L[kSub] = {};  // ggml's is uninitialised; only a leading all-zero block reads it
  const int ntry = reference ? -1 : 7;
  for (int64_t i = 0; i < n / kSub; ++i)
    iq4_nl_block(x + kSub * i, qw ? qw + kSub * i : nullptr, ntry, L, out + 18 * i);
}

void iq4_xs(const float* x, int64_t n, uint8_t* out, const float* qw) {
  for (int64_t i = 0; i < n / 256; ++i) iq4_xs_block(x + 256 * i, qw ? qw + 256 * i : nullptr, out + 136 * i);
}

}  // namespace lq::quant::ggml::kquants
