// Q4_K, Q5_K and Q6_K writers (see kquants.h). Layouts (core/ggml_dequantize.cpp reads them):
//   Q4_K 144 B: f16 d | f16 dmin | scales[12] | qs[128]             w = (d*sc)*q - dmin*m
//   Q5_K 176 B: f16 d | f16 dmin | scales[12] | qh[32] | qs[128]    q in 0..31
//   Q6_K 210 B: ql[128] | qh[64] | int8 scales[16] | f16 d          w = (d*sc)*(q-32)
// Q4_K/Q5_K: eight sub-blocks of 32 with a 6-bit scale and a 6-bit min each; Q6_K: sixteen
// groups of 16 with an 8-bit signed scale. Compiled with -ffp-contract=off.
#include <cmath>
#include <cstring>

#include "quant/kquants.h"
#include "quant/kquants_search.h"

namespace lq::quant::ggml::kquants {
namespace {

using search::kSuperBlock;
using search::nearest_int;
using search::put_f16;

constexpr int kSubs = 8, kSub = 32;

int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// The 12 scale bytes of Q4_K/Q5_K: sub-block j < 4 has its scale and min in the low 6 bits of
// bytes j and j+4; j >= 4 has them in the nibbles of byte j+4, with their top two bits in the
// high bits of bytes j-4 (scale) and j (min). Every byte is assigned before it is OR-ed.
void pack_scale_min(uint8_t* s, int j, uint8_t ls, uint8_t lm) {
  if (j < 4) {
    s[j] = ls;
    s[j + 4] = lm;
  } else {
    s[j + 4] = static_cast<uint8_t>((ls & 0xF) | (lm & 0xF) << 4);
    s[j - 4] = static_cast<uint8_t>(s[j - 4] | (ls >> 4) << 6);
    s[j] = static_cast<uint8_t>(s[j] | (lm >> 4) << 6);
  }
}

void unpack_scale_min(const uint8_t* s, int j, int& sc, int& m) {
  if (j < 4) {
    sc = s[j] & 63;
    m = s[j + 4] & 63;
  } else {
    sc = (s[j + 4] & 0xF) | (s[j - 4] >> 6) << 4;
    m = (s[j + 4] >> 4) | (s[j] >> 6) << 4;
  }
}

// Final codes from the stored scales: rint((x + dmin*m) / (d*sc)) in 0..nmax. A sub-block whose
// scale is 0 keeps the codes of its search.
void requantize_scale_min(const float* x, const uint8_t* s, float d, float dmin, int nmax, uint8_t* L) {
  for (int j = 0; j < kSubs; ++j) {
    int sc, m;
    unpack_scale_min(s, j, sc, m);
    const float dj = d * static_cast<float>(sc);
    if (dj == 0.0f) continue;
    const float mj = dmin * static_cast<float>(m);
    for (int i = 0; i < kSub; ++i)
      L[kSub * j + i] = static_cast<uint8_t>(clamp_int(nearest_int((x[kSub * j + i] + mj) / dj), 0, nmax));
  }
}

// Codes of 64 consecutive weights share 32 bytes: weight l in the low nibble, l+32 in the high.
void pack_nibbles(const uint8_t* L, uint8_t* qs) {
  for (int h = 0; h < kSuperBlock; h += 64)
    for (int l = 0; l < 32; ++l) qs[h / 2 + l] = static_cast<uint8_t>((L[h + l] & 0xF) | (L[h + l + 32] & 0xF) << 4);
}

// Q5_K: bit 4 of the code of weight 64h + l goes to bit 2h of qh[l], of 64h + 32 + l to bit 2h+1.
void pack_q5_high(const uint8_t* L, uint8_t* qh) {
  std::memset(qh, 0, 32);
  for (int h = 0; h < 4; ++h)
    for (int l = 0; l < 32; ++l) {
      if (L[64 * h + l] > 15) qh[l] = static_cast<uint8_t>(qh[l] | 1u << (2 * h));
      if (L[64 * h + l + 32] > 15) qh[l] = static_cast<uint8_t>(qh[l] | 2u << (2 * h));
    }
}

// quantize_row_q{4,5}_K_ref: per sub-block a scale-and-min search weighted by rms + |x|; the
// eight scales and mins quantized to 6 bits against their maxima (rint, uint8 wrap, then <= 63).
void scale_min_block_reference(const float* x, int nmax, float rmin, int nstep, uint8_t* b) {
  uint8_t L[kSuperBlock], Laux[kSub];
  float w[kSub], scales[kSubs], mins[kSubs];
  float max_scale = 0.0f, max_min = 0.0f;
  for (int j = 0; j < kSubs; ++j) {
    const float* xj = x + kSub * j;
    float sum_x2 = 0.0f;
    for (int i = 0; i < kSub; ++i) sum_x2 += xj[i] * xj[i];
    const float av_x = std::sqrt(sum_x2 / 32.0f);
    for (int i = 0; i < kSub; ++i) w[i] = av_x + std::fabs(xj[i]);
    scales[j] = search::scale_min(kSub, nmax, xj, w, L + kSub * j, &mins[j], Laux, rmin, 0.1f, nstep, false);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
  uint8_t* s = b + 4;
  for (int j = 0; j < kSubs; ++j) {
    auto ls = static_cast<uint8_t>(nearest_int(inv_scale * scales[j]));
    auto lm = static_cast<uint8_t>(nearest_int(inv_min * mins[j]));
    pack_scale_min(s, j, ls < 63 ? ls : uint8_t{63}, lm < 63 ? lm : uint8_t{63});
  }
  const float d = put_f16(b, max_scale / 63.0f), dmin = put_f16(b + 2, max_min / 63.0f);
  requantize_scale_min(x, s, d, dmin, nmax, L);
  if (nmax == 31) {
    pack_q5_high(L, b + 16);
    pack_nibbles(L, b + 48);
  } else {
    pack_nibbles(L, b + 16);
  }
}

// quantize_q{4,5}_K with importance: weights qw * sqrt(2 sigma^2 + x^2), a squared-error
// search per sub-block, then scales and mins by make_qp_quants weighted by the sub-blocks'
// summed weights. (Q4_K stores those codes as they are; Q5_K caps them at 63 first.)
void scale_min_block_weighted(const float* x, const float* qw, int nmax, uint8_t* b) {
  uint8_t L[kSuperBlock], Laux[kSub], Ls[kSubs], Lm[kSubs];
  float w[kSub], sw[kSubs], scales[kSubs], mins[kSubs];
  float sum_x2 = 0.0f;
  for (int i = 0; i < kSuperBlock; ++i) sum_x2 += x[i] * x[i];
  const float sigma2 = 2.0f * sum_x2 / static_cast<float>(kSuperBlock);
  for (int j = 0; j < kSubs; ++j) {
    const float* xj = x + kSub * j;
    for (int i = 0; i < kSub; ++i) w[i] = qw[kSub * j + i] * std::sqrt(sigma2 + xj[i] * xj[i]);
    float sumw = 0.0f;
    for (int i = 0; i < kSub; ++i) sumw += w[i];
    sw[j] = sumw;
    scales[j] = search::scale_min(kSub, nmax, xj, w, L + kSub * j, &mins[j], Laux, -0.9f, 0.05f, 36, false);
  }
  const float d_block = search::positive_scale(kSubs, 63, scales, Ls, sw);
  const float m_block = search::positive_scale(kSubs, 63, mins, Lm, sw);
  uint8_t* s = b + 4;
  for (int j = 0; j < kSubs; ++j) {
    uint8_t ls = Ls[j], lm = Lm[j];
    if (nmax == 31) {
      ls = ls < 63 ? ls : uint8_t{63};
      lm = lm < 63 ? lm : uint8_t{63};
    }
    pack_scale_min(s, j, ls, lm);
  }
  const float d = put_f16(b, d_block), dmin = put_f16(b + 2, m_block);
  requantize_scale_min(x, s, d, dmin, nmax, L);
  if (nmax == 31) {
    pack_q5_high(L, b + 16);
    pack_nibbles(L, b + 48);
  } else {
    pack_nibbles(L, b + 16);
  }
}

// Q6_K: per group of 16 a signed scale by make_qx_quants (weights x^2, or the importance qw
// alone); the 16 scales as int8 against the one of largest magnitude (-128 / max, capped at
// 127); codes rint(x / (d*sc)) in -32..31, stored +32. An all-zero block is 210 zero bytes.
void q6_block(const float* x, const float* qw, uint8_t* b) {
  int8_t L[kSuperBlock];
  float scales[16], w[16];
  float max_scale = 0.0f, max_abs = 0.0f;
  for (int g = 0; g < 16; ++g) {
    const float* xg = x + 16 * g;
    if (qw) {
      for (int i = 0; i < 16; ++i) w[i] = qw[16 * g + i];
    } else {
      for (int i = 0; i < 16; ++i) w[i] = xg[i] * xg[i];
    }
    scales[g] = search::symmetric_scale(16, 32, xg, w, L + 16 * g);
    const float a = std::fabs(scales[g]);
    if (a > max_abs) {
      max_abs = a;
      max_scale = scales[g];
    }
  }
  if (max_abs < search::kAllZero) {
    std::memset(b, 0, 210);
    return;
  }
  const float iscale = -128.0f / max_scale;
  const float d = put_f16(b + 208, 1.0f / iscale);
  auto* sc = reinterpret_cast<int8_t*>(b + 192);
  for (int g = 0; g < 16; ++g) {
    const int l = nearest_int(iscale * scales[g]);
    sc[g] = static_cast<int8_t>(l < 127 ? l : 127);
  }
  for (int g = 0; g < 16; ++g) {
    const float dg = d * static_cast<float>(sc[g]);
    if (dg == 0.0f) continue;
    for (int i = 0; i < 16; ++i)
      L[16 * g + i] = static_cast<int8_t>(clamp_int(nearest_int(x[16 * g + i] / dg), -32, 31) + 32);
  }
  uint8_t* ql = b;
  uint8_t* qh = b + 128;
  for (int h = 0; h < 2; ++h) {
    const int8_t* Lh = L + 128 * h;
    for (int l = 0; l < 32; ++l) {
      ql[64 * h + l] = static_cast<uint8_t>((Lh[l] & 0xF) | (Lh[l + 64] & 0xF) << 4);
      ql[64 * h + l + 32] = static_cast<uint8_t>((Lh[l + 32] & 0xF) | (Lh[l + 96] & 0xF) << 4);
      qh[32 * h + l] = static_cast<uint8_t>((Lh[l] >> 4) | (Lh[l + 32] >> 4) << 2 | (Lh[l + 64] >> 4) << 4 |
                                            (Lh[l + 96] >> 4) << 6);
    }
  }
}

}  // namespace

void q4_k(const float* x, int64_t n, uint8_t* out, const float* qw) {
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    const int64_t off = i * kSuperBlock;
    if (qw) scale_min_block_weighted(x + off, qw + off, 15, out + 144 * i);
    else scale_min_block_reference(x + off, 15, -1.0f, 20, out + 144 * i);
  }
}

void q5_k(const float* x, int64_t n, uint8_t* out, const float* qw) {
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    const int64_t off = i * kSuperBlock;
    if (qw) scale_min_block_weighted(x + off, qw + off, 31, out + 176 * i);
    else scale_min_block_reference(x + off, 31, -0.5f, 15, out + 176 * i);
  }
}

void q6_k(const float* x, int64_t n, uint8_t* out, const float* qw) {
  for (int64_t i = 0; i < n / kSuperBlock; ++i) {
    const int64_t off = i * kSuperBlock;
    q6_block(x + off, qw ? qw + off : nullptr, out + 210 * i);
  }
}

}  // namespace lq::quant::ggml::kquants
