#include "core/ggml_dequantize.h"

#include <bit>
#include <cstring>
#include <string>

#include "core/error.h"
#include "core/half.h"

// Layouts are ggml's (ggml-common.h, block_* structs; little-endian, no padding). Within a
// block, weights are numbered e = 0..block_size-1 in row order. The float arithmetic is written
// in ggml's order (e.g. Q4_K: (d*sc)*q - dmin*m) and CMake compiles this file with
// -ffp-contract=off, so the compiler may vectorise it but never fuses a multiply and an add.

namespace lq {
namespace {

static_assert(std::endian::native == std::endian::little, "GGUF block layouts are little-endian");

using u8 = uint8_t;
constexpr int kQK = 32;    // weights per block of the 32-element types
constexpr int kQKK = 256;  // weights per super-block of the K types and IQ4_XS

inline float f16_at(const u8* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return f16_to_f32(h);
}
inline uint32_t u32_at(const u8* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// qs[j] holds weight j in its low nibble and weight j+16 in its high nibble (Q4_0, Q4_1, Q5_*,
// IQ4_NL, and each 32-weight group of IQ4_XS).
inline void split_nibbles16(const u8* qs, u8* q) {
  for (int j = 0; j < 16; ++j) {
    q[j] = qs[j] & 0x0f;
    q[j + 16] = qs[j] >> 4;
  }
}

// Q4_0 (18 B): f16 d | qs[16]. w = d * (q - 8).
void block_q4_0(const u8* b, float* y) {
  const float d = f16_at(b);
  u8 q[kQK];
  split_nibbles16(b + 2, q);
  for (int e = 0; e < kQK; ++e) y[e] = d * static_cast<float>(static_cast<int>(q[e]) - 8);
}

// Q4_1 (20 B): f16 d | f16 m | qs[16]. w = d*q + m.
void block_q4_1(const u8* b, float* y) {
  const float d = f16_at(b), m = f16_at(b + 2);
  u8 q[kQK];
  split_nibbles16(b + 4, q);
  for (int e = 0; e < kQK; ++e) y[e] = d * static_cast<float>(q[e]) + m;
}

// Bit e of qh is bit 4 of weight e (Q5_0, Q5_1).
inline void add_fifth_bits(uint32_t qh, u8* q) {
  for (int e = 0; e < kQK; ++e) q[e] |= static_cast<u8>(((qh >> e) & 1u) << 4);
}

// Q5_0 (22 B): f16 d | u32 qh | qs[16]. w = d * (q - 16).
void block_q5_0(const u8* b, float* y) {
  const float d = f16_at(b);
  u8 q[kQK];
  split_nibbles16(b + 6, q);
  add_fifth_bits(u32_at(b + 2), q);
  for (int e = 0; e < kQK; ++e) y[e] = d * static_cast<float>(static_cast<int>(q[e]) - 16);
}

// Q5_1 (24 B): f16 d | f16 m | u32 qh | qs[16]. w = d*q + m.
void block_q5_1(const u8* b, float* y) {
  const float d = f16_at(b), m = f16_at(b + 2);
  u8 q[kQK];
  split_nibbles16(b + 8, q);
  add_fifth_bits(u32_at(b + 4), q);
  for (int e = 0; e < kQK; ++e) y[e] = d * static_cast<float>(q[e]) + m;
}

// Q8_0 (34 B): f16 d | int8 qs[32]. w = q * d.
void block_q8_0(const u8* b, float* y) {
  const float d = f16_at(b);
  const auto* qs = reinterpret_cast<const int8_t*>(b + 2);
  for (int e = 0; e < kQK; ++e) y[e] = static_cast<float>(qs[e]) * d;
}

// Q2_K (84 B): scales[16] | qs[64] | f16 d | f16 dmin. Sixteen groups of 16 weights; group g's
// byte holds a 4-bit scale (low) and a 4-bit min (high). Weight e's 2-bit code is bits
// 2*((e%128)/32) of qs[32*(e/128) + e%32]. w = (d*sc)*q - dmin*m.
void block_q2_k(const u8* b, float* y) {
  const u8* sc = b;
  const u8* qs = b + 16;
  const float d = f16_at(b + 80), dmin = f16_at(b + 82);
  for (int half = 0; half < 2; ++half) {
    for (int shift = 0; shift < 4; ++shift) {
      const u8* src = qs + 32 * half;
      for (int g = 0; g < 2; ++g) {  // two groups of 16 per 32 weights
        const int group = 8 * half + 2 * shift + g;
        const float dl = d * static_cast<float>(sc[group] & 0x0f);
        const float ml = dmin * static_cast<float>(sc[group] >> 4);
        float* out = y + 16 * group;
        for (int l = 0; l < 16; ++l)
          out[l] = dl * static_cast<float>((src[16 * g + l] >> (2 * shift)) & 3) - ml;
      }
    }
  }
}

// Q3_K's sixteen 6-bit scales (stored with a +32 bias): low 4 bits are the nibbles of bytes
// 0..7 (low nibbles for groups 0..7, high nibbles for 8..15), the top 2 bits of group g are
// bits 2*(g/4) of byte 8 + g%4.
inline void q3_k_scales(const u8* s, int* out) {
  for (int g = 0; g < 16; ++g) {
    const int low = g < 8 ? (s[g] & 0x0f) : (s[g - 8] >> 4);
    const int high = (s[8 + g % 4] >> (2 * (g / 4))) & 3;
    out[g] = (low | high << 4) - 32;
  }
}

// Q3_K (110 B): hmask[32] | qs[64] | scales[12] | f16 d. Weight e: 2 low bits as Q2_K's, minus 4
// when bit e/32 of hmask[e%32] is clear. w = (d*scale)*q.
void block_q3_k(const u8* b, float* y) {
  const u8* hmask = b;
  const u8* qs = b + 32;
  const float d = f16_at(b + 108);
  int scale[16];
  q3_k_scales(b + 96, scale);
  for (int half = 0; half < 2; ++half) {
    for (int shift = 0; shift < 4; ++shift) {
      const int bit = 4 * half + shift;  // e / 32
      const u8* src = qs + 32 * half;
      for (int g = 0; g < 2; ++g) {
        const int group = 2 * bit + g;
        const float dl = d * static_cast<float>(scale[group]);
        float* out = y + 16 * group;
        for (int l = 0; l < 16; ++l) {
          const int lo = (src[16 * g + l] >> (2 * shift)) & 3;
          const int minus = ((hmask[16 * g + l] >> bit) & 1) ? 0 : 4;
          out[l] = dl * static_cast<float>(lo - minus);
        }
      }
    }
  }
}

// Q4_K and Q5_K: eight 6-bit scales and mins in 12 bytes. For sub-block j < 4, scale and min
// are the low 6 bits of bytes j and j+4; for j >= 4, the low nibble (scale) or high nibble
// (min) of byte j+4 with the top two bits of bytes j-4 (scale) or j (min) as bits 4..5.
inline void k_scale_min(const u8* s, int j, int& sc, int& m) {
  if (j < 4) {
    sc = s[j] & 63;
    m = s[j + 4] & 63;
  } else {
    sc = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
    m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

// Q4_K (144 B): f16 d | f16 dmin | scales[12] | qs[128]. Weight e: sub-block j = e/32; its
// code is nibble (j%2) of qs[32*(j/2) + e%32]. w = (d*sc)*q - dmin*m.
void block_q4_k(const u8* b, float* y) {
  const float d = f16_at(b), dmin = f16_at(b + 2);
  const u8* qs = b + 16;
  for (int j = 0; j < 8; ++j) {
    int sc, m;
    k_scale_min(b + 4, j, sc, m);
    const float d1 = d * static_cast<float>(sc), m1 = dmin * static_cast<float>(m);
    const u8* src = qs + 32 * (j / 2);
    const int shift = 4 * (j % 2);
    float* out = y + 32 * j;
    for (int l = 0; l < 32; ++l) out[l] = d1 * static_cast<float>((src[l] >> shift) & 0x0f) - m1;
  }
}

// Q5_K (176 B): f16 d | f16 dmin | scales[12] | qh[32] | qs[128]. As Q4_K, with bit j of
// qh[e%32] as bit 4 of the code.
void block_q5_k(const u8* b, float* y) {
  const float d = f16_at(b), dmin = f16_at(b + 2);
  const u8* qh = b + 16;
  const u8* qs = b + 48;
  for (int j = 0; j < 8; ++j) {
    int sc, m;
    k_scale_min(b + 4, j, sc, m);
    const float d1 = d * static_cast<float>(sc), m1 = dmin * static_cast<float>(m);
    const u8* src = qs + 32 * (j / 2);
    const int shift = 4 * (j % 2);
    float* out = y + 32 * j;
    for (int l = 0; l < 32; ++l) {
      const int q = ((src[l] >> shift) & 0x0f) | ((qh[l] >> j) & 1) << 4;
      out[l] = d1 * static_cast<float>(q) - m1;
    }
  }
}

// Q6_K (210 B): ql[128] | qh[64] | int8 scales[16] | f16 d. Weight e = 128*h + 32*k + l:
// low 4 bits are nibble (k/2) of ql[64*h + 32*(k%2) + l], top 2 bits are bits 2k of
// qh[32*h + l]; code - 32. w = (d*scale[e/16])*q.
void block_q6_k(const u8* b, float* y) {
  const u8* ql = b;
  const u8* qh = b + 128;
  const auto* scales = reinterpret_cast<const int8_t*>(b + 192);
  const float d = f16_at(b + 208);
  for (int h = 0; h < 2; ++h) {
    for (int k = 0; k < 4; ++k) {
      const u8* lo = ql + 64 * h + 32 * (k % 2);
      const u8* hi = qh + 32 * h;
      const int lo_shift = 4 * (k / 2), hi_shift = 2 * k;
      for (int g = 0; g < 2; ++g) {
        const int group = 8 * h + 2 * k + g;
        const float dl = d * static_cast<float>(scales[group]);
        float* out = y + 16 * group;
        for (int l = 16 * g; l < 16 * g + 16; ++l) {
          const int q = (((lo[l] >> lo_shift) & 0x0f) | ((hi[l] >> hi_shift) & 3) << 4) - 32;
          out[l - 16 * g] = dl * static_cast<float>(q);
        }
      }
    }
  }
}

// ggml's kvalues_iq4nl: the non-uniform 4-bit grid of IQ4_NL and IQ4_XS, as f32 (exact).
constexpr float kIq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// IQ4_NL (18 B): f16 d | qs[16], nibbles as Q4_0. w = d * grid[q].
void block_iq4_nl(const u8* b, float* y) {
  const float d = f16_at(b);
  u8 q[kQK];
  split_nibbles16(b + 2, q);
  for (int e = 0; e < kQK; ++e) y[e] = d * kIq4nl[q[e]];
}

// IQ4_XS (136 B): f16 d | u16 scales_h | scales_l[4] | qs[128]. Sub-block j (32 weights) has
// the 6-bit scale (nibble j%2 of scales_l[j/2]) | (bits 2j of scales_h) << 4, biased by 32,
// and its nibbles in qs[16j..16j+16) as Q4_0. w = (d*(scale-32)) * grid[q].
void block_iq4_xs(const u8* b, float* y) {
  const float d = f16_at(b);
  uint16_t scales_h;
  std::memcpy(&scales_h, b + 2, 2);
  const u8* scales_l = b + 4;
  const u8* qs = b + 8;
  for (int j = 0; j < 8; ++j) {
    const int ls = ((scales_l[j / 2] >> (4 * (j % 2))) & 0x0f) | ((scales_h >> (2 * j)) & 3) << 4;
    const float dl = d * static_cast<float>(ls - 32);
    u8 q[kQK];
    split_nibbles16(qs + 16 * j, q);
    float* out = y + 32 * j;
    for (int e = 0; e < kQK; ++e) out[e] = dl * kIq4nl[q[e]];
  }
}

template <void (*Block)(const u8*, float*), int kWeights, size_t kBytes>
void expand(const std::byte* src, int64_t n, float* dst) {
  const auto* b = reinterpret_cast<const u8*>(src);
  for (int64_t i = 0, blocks = n / kWeights; i < blocks; ++i) Block(b + kBytes * i, dst + kWeights * i);
}

}  // namespace

void dequantize_blocks(DType t, const std::byte* src, int64_t n, float* dst) {
  if (n < 0 || n % dtype_block_size(t) != 0)
    fail("ggml", std::string(dtype_name(t)) + " holds whole blocks of " + std::to_string(dtype_block_size(t)) +
                     " weights; cannot expand " + std::to_string(n));
  if (n == 0) return;
  switch (t) {
    case DType::F32: std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float)); return;
    case DType::F16: f16_to_f32_row(src, dst, static_cast<size_t>(n)); return;
    case DType::BF16: bf16_to_f32_row(src, dst, static_cast<size_t>(n)); return;
    case DType::Q4_0: return expand<block_q4_0, kQK, 18>(src, n, dst);
    case DType::Q4_1: return expand<block_q4_1, kQK, 20>(src, n, dst);
    case DType::Q5_0: return expand<block_q5_0, kQK, 22>(src, n, dst);
    case DType::Q5_1: return expand<block_q5_1, kQK, 24>(src, n, dst);
    case DType::Q8_0: return expand<block_q8_0, kQK, 34>(src, n, dst);
    case DType::Q2_K: return expand<block_q2_k, kQKK, 84>(src, n, dst);
    case DType::Q3_K: return expand<block_q3_k, kQKK, 110>(src, n, dst);
    case DType::Q4_K: return expand<block_q4_k, kQKK, 144>(src, n, dst);
    case DType::Q5_K: return expand<block_q5_k, kQKK, 176>(src, n, dst);
    case DType::Q6_K: return expand<block_q6_k, kQKK, 210>(src, n, dst);
    case DType::IQ4_NL: return expand<block_iq4_nl, kQK, 18>(src, n, dst);
    case DType::IQ4_XS: return expand<block_iq4_xs, kQKK, 136>(src, n, dst);
    default: fail("ggml", "dtype " + std::string(dtype_name(t)) + " is not a weight type that expands to f32");
  }
}

}  // namespace lq
