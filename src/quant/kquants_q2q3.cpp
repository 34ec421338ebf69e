// Q2_K and Q3_K writers (see kquants.h). Layouts (core/ggml_dequantize.cpp reads them):
//   Q2_K  84 B: scales[16] | qs[64] | f16 d | f16 dmin     w = (d*sc)*q - dmin*m, q in 0..3
//   Q3_K 110 B: hmask[32] | qs[64] | scales[12] | f16 d    w = (d*(sc-32))*(q-4), q in 0..7
// Both: sixteen groups of 16 weights; weight e's two low code bits sit at bits 2*((e%128)/32)
// of qs[32*(e/128) + e%32]. Compiled with -ffp-contract=off: every step rounds as written.
#include <cmath>
#include <cstring>

#include "quant/kquants.h"
#include "quant/kquants_search.h"

namespace lq::quant::ggml::kquants {
namespace {

using search::kSuperBlock;
using search::nearest_int;
using search::put_f16;

constexpr int kGroups = 16, kGroup = 16;

int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// Codes 0..3 of 256 weights into qs[64] (four weights 32 apart share a byte).
void pack_2bit(const uint8_t* L, uint8_t* qs) {
  for (int h = 0; h < kSuperBlock; h += 128)
    for (int l = 0; l < 32; ++l)
      qs[h / 4 + l] = static_cast<uint8_t>(L[h + l] | L[h + l + 32] << 2 | L[h + l + 64] << 4 | L[h + l + 96] << 6);
}

// Q2_K's final codes from the stored scales: rint((x + dmin*m) / (d*sc)), 0..3. A group whose
// scale is 0 keeps the codes of its search.
void q2_requantize(const float* x, const uint8_t* scales, float d, float dmin, uint8_t* L) {
  for (int g = 0; g < kGroups; ++g) {
    const float dg = d * static_cast<float>(scales[g] & 0xF);
    if (dg == 0.0f) continue;
    const float mg = dmin * static_cast<float>(scales[g] >> 4);
    for (int i = 0; i < kGroup; ++i)
      L[kGroup * g + i] = static_cast<uint8_t>(clamp_int(nearest_int((x[kGroup * g + i] + mg) / dg), 0, 3));
  }
}

// quantize_row_q2_K_ref: per group, scale and min by a mean-absolute-error search weighted by
// |x|; then both quantized to 4 bits against the largest (d = max/15, rint).
void q2_block_reference(const float* x, uint8_t* b) {
  uint8_t L[kSuperBlock], Laux[kGroup];
  float w[kGroup], scales[kGroups], mins[kGroups];
  float max_scale = 0.0f, max_min = 0.0f;
  for (int g = 0; g < kGroups; ++g) {
    const float* xg = x + kGroup * g;
    for (int i = 0; i < kGroup; ++i) w[i] = std::fabs(xg[i]);
    scales[g] = search::scale_min(kGroup, 3, xg, w, L + kGroup * g, &mins[g], Laux, -0.5f, 0.1f, 15, true);
    if (scales[g] > max_scale) max_scale = scales[g];
    if (mins[g] > max_min) max_min = mins[g];
  }
  uint8_t* sc = b;
  float d = 0.0f, dmin = 0.0f;
  if (max_scale > 0.0f) {
    const float iscale = 15.0f / max_scale;
    for (int g = 0; g < kGroups; ++g) sc[g] = static_cast<uint8_t>(nearest_int(iscale * scales[g]));
    d = put_f16(b + 80, max_scale / 15.0f);
  } else {
    std::memset(sc, 0, kGroups);
    d = put_f16(b + 80, 0.0f);
  }
  if (max_min > 0.0f) {
    const float iscale = 15.0f / max_min;
    for (int g = 0; g < kGroups; ++g) sc[g] = static_cast<uint8_t>(sc[g] | nearest_int(iscale * mins[g]) << 4);
    dmin = put_f16(b + 82, max_min / 15.0f);
  } else {
    dmin = put_f16(b + 82, 0.0f);
  }
  q2_requantize(x, sc, d, dmin, L);
  pack_2bit(L, b + 16);
}

// quantize_q2_K with importance: weights qw * sqrt(sigma^2 + x^2) (sigma^2 the block's mean
// square), a squared-error search per group, then the scales and mins quantized by a
// weighted search of their own (weights: the groups' summed weights).
void q2_block_weighted(const float* x, const float* qw, uint8_t* b) {
  uint8_t L[kSuperBlock], Laux[kGroup], Ls[kGroups], Lm[kGroups];
  float w[kGroup], sw[kGroups], scales[kGroups], mins[kGroups];
  float sumx2 = 0.0f;
  for (int j = 0; j < kSuperBlock; ++j) sumx2 += x[j] * x[j];
  const float sigma2 = sumx2 / static_cast<float>(kSuperBlock);
  for (int g = 0; g < kGroups; ++g) {
    const float* xg = x + kGroup * g;
    for (int i = 0; i < kGroup; ++i) w[i] = qw[kGroup * g + i] * std::sqrt(sigma2 + xg[i] * xg[i]);
    sw[g] = 0.0f;
    for (int i = 0; i < kGroup; ++i) sw[g] += w[i];
    scales[g] = search::scale_min(kGroup, 3, xg, w, L + kGroup * g, &mins[g], Laux, -0.9f, 0.05f, 36, false);
  }
  const float dm = search::positive_scale(kGroups, 15, scales, Ls, sw);
  const float mm = search::positive_scale(kGroups, 15, mins, Lm, sw);
  const float d = put_f16(b + 80, dm), dmin = put_f16(b + 82, mm);
  for (int g = 0; g < kGroups; ++g) b[g] = static_cast<uint8_t>(Ls[g] | Lm[g] << 4);
  q2_requantize(x, b, d, dmin, L);
  pack_2bit(L, b + 16);
}

// Q3_K's 6-bit scales (+32) into scales[12]: low nibbles in bytes 0..7 (groups 0..7 low
// nibble, 8..15 high nibble), top two bits in bytes 8..11 at bits 2*(g/4) of byte 8 + g%4.
void pack_q3_scale(uint8_t* s, int g, int biased) {
  if (g < 8) s[g] = static_cast<uint8_t>(biased & 0xF);
  else s[g - 8] = static_cast<uint8_t>(s[g - 8] | (biased & 0xF) << 4);
  s[8 + g % 4] = static_cast<uint8_t>(s[8 + g % 4] | (biased >> 4) << (2 * (g / 4)));
}

int unpack_q3_scale(const uint8_t* s, int g) {
  const int low = g < 8 ? (s[g] & 0xF) : (s[g - 8] >> 4);
  return (low | ((s[8 + g % 4] >> (2 * (g / 4))) & 3) << 4) - 32;
}

// Q3_K's final codes from the stored scales: rint(x / (d*sc)) in -4..3, stored +4, then split
// into the 2 low bits (qs) and the high bit (hmask: bit e/32 of byte e%32).
void q3_finish(const float* x, float d, uint8_t* b, int8_t* L) {
  const uint8_t* s = b + 96;
  for (int g = 0; g < kGroups; ++g) {
    const float dg = d * static_cast<float>(unpack_q3_scale(s, g));
    if (dg == 0.0f) continue;
    for (int i = 0; i < kGroup; ++i)
      L[kGroup * g + i] = static_cast<int8_t>(clamp_int(nearest_int(x[kGroup * g + i] / dg), -4, 3) + 4);
  }
  uint8_t* hmask = b;
  std::memset(hmask, 0, 32);
  uint8_t low[kSuperBlock];
  for (int e = 0; e < kSuperBlock; ++e) {
    int v = L[e];
    if (v > 3) {
      hmask[e % 32] = static_cast<uint8_t>(hmask[e % 32] | 1u << (e / 32));
      v -= 4;
    }
    low[e] = static_cast<uint8_t>(v);
  }
  pack_2bit(low, b + 32);
}

// quantize_row_q3_K_ref: per group a signed scale by make_q3_quants' x^2-weighted search; the
// scales quantized against the one of largest magnitude (-32 / max, int8 then clamp -32..31).
void q3_block_reference(const float* x, uint8_t* b) {
  int8_t L[kSuperBlock];
  float scales[kGroups];
  float amax = 0.0f, max_scale = 0.0f;
  for (int g = 0; g < kGroups; ++g) {
    scales[g] = search::q3_reference_scale(kGroup, 4, x + kGroup * g, L + kGroup * g);
    const float a = std::fabs(scales[g]);
    if (a > amax) {
      amax = a;
      max_scale = scales[g];
    }
  }
  uint8_t* s = b + 96;
  std::memset(s, 0, 12);
  float d = 0.0f;
  if (max_scale != 0.0f) {
    const float iscale = -32.0f / max_scale;
    for (int g = 0; g < kGroups; ++g) {
      const auto l = static_cast<int8_t>(nearest_int(iscale * scales[g]));  // C: int -> int8_t wraps
      pack_q3_scale(s, g, clamp_int(l, -32, 31) + 32);
    }
    d = put_f16(b + 108, 1.0f / iscale);
  } else {
    d = put_f16(b + 108, 0.0f);
  }
  q3_finish(x, d, b, L);
}

// quantize_q3_K with importance: weights qw * sqrt(2 sigma^2 + x^2), make_qx_quants per group,
// then the 16 scales quantized by make_qx_quants itself (nmax 32, weights: summed group weights).
void q3_block_weighted(const float* x, const float* qw, uint8_t* b) {
  int8_t L[kSuperBlock], Ls[kGroups];
  float w[kGroup], sw[kGroups], scales[kGroups];
  float sumx2 = 0.0f;
  for (int j = 0; j < kSuperBlock; ++j) sumx2 += x[j] * x[j];
  const float sigma2 = 2.0f * sumx2 / static_cast<float>(kSuperBlock);
  for (int g = 0; g < kGroups; ++g) {
    const float* xg = x + kGroup * g;
    for (int i = 0; i < kGroup; ++i) w[i] = qw[kGroup * g + i] * std::sqrt(sigma2 + xg[i] * xg[i]);
    float sumw = 0.0f;
    for (int i = 0; i < kGroup; ++i) sumw += w[i];
    sw[g] = sumw;
    scales[g] = search::symmetric_scale(kGroup, 4, xg, w, L + kGroup * g);
  }
  uint8_t* s = b + 96;
  std::memset(s, 0, 12);
  const float d_block = search::symmetric_scale(kGroups, 32, scales, sw, Ls);
  for (int g = 0; g < kGroups; ++g) pack_q3_scale(s, g, Ls[g]);
  const float d = put_f16(b + 108, d_block);
  q3_finish(x, d, b, L);
}

}  // namespace

void q2_k(const float* x, int64_t n, uint8_t* out, const float* qw) {
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    const int64_t off = i * kSuperBlock;
    if (qw) q2_block_weighted(x + off, qw + off, out + 84 * i);
    else q2_block_reference(x + off, out + 84 * i);
  }
}

void q3_k(const float* x, int64_t n, uint8_t* out, const float* qw) {
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    const int64_t off = i * kSuperBlock;
    if (qw) q3_block_weighted(x + off, qw + off, out + 110 * i);
    else q3_block_reference(x + off, out + 110 * i);
  }
}

}  // namespace lq::quant::ggml::kquants
