#include "core/ggml_dequantize.h"

#include <cstring>
#include <string>

#include "core/error.h"
#include "core/ggml_block_fields.h"
#include "core/ggml_dequantize_avx2.h"
#include "core/half.h"

// Layouts are ggml's (ggml-common.h, block_* structs; little-endian, no padding). Within a
// block, weights are numbered e = 0..block_size-1 in row order. The float arithmetic is written
// in ggml's order (e.g. Q4_K: (d*sc)*q - dmin*m) and CMake compiles this file with
// -ffp-contract=off, so the compiler may vectorise it but never fuses a multiply and an add.
// (Every product here is exact in f32 anyway: the f16 significand times all integer factors
// stays below 2^24, far from overflow and underflow; only the final add of a min rounds.)
// Block decoders take __restrict pointers: without them the byte source may alias the output
// and nothing vectorises (8x slower). These portable decoders are the definitions; where the
// build has AVX2, ggml_dequantize_avx2.cpp's kernels run instead (tests pin them to these).

namespace lq {
namespace {

using u8 = uint8_t;
using namespace ggml_fields;
constexpr int kQK = 32;    // weights per block of the 32-element types
constexpr int kQKK = 256;  // weights per super-block of the K types and IQ4_XS

// The 32-weight types share one packing: qs[j] holds weight j in its low nibble and weight
// j+16 in its high nibble (Q4_0, Q4_1, Q5_*, IQ4_NL, and each 32-weight group of IQ4_XS); for
// Q5_*, bit e of the u32 qh is bit 4 of weight e. Loops run over j < 16 straight from the bytes
// (no staging array), which is what the compiler vectorises.

// Q4_0 (18 B): f16 d | qs[16]. w = d * (q - 8).
void block_q4_0(const u8* __restrict b, float* __restrict y) {
  const float d = f16_at(b);
  const u8* qs = b + 2;
  for (int j = 0; j < 16; ++j) y[j] = d * static_cast<float>((qs[j] & 0x0f) - 8);
  for (int j = 0; j < 16; ++j) y[j + 16] = d * static_cast<float>((qs[j] >> 4) - 8);
}

// Q4_1 (20 B): f16 d | f16 m | qs[16]. w = d*q + m.
void block_q4_1(const u8* __restrict b, float* __restrict y) {
  const float d = f16_at(b), m = f16_at(b + 2);
  const u8* qs = b + 4;
  for (int j = 0; j < 16; ++j) y[j] = d * static_cast<float>(qs[j] & 0x0f) + m;
  for (int j = 0; j < 16; ++j) y[j + 16] = d * static_cast<float>(qs[j] >> 4) + m;
}

// Q5_0 (22 B): f16 d | u32 qh | qs[16]. w = d * (q - 16).
void block_q5_0(const u8* __restrict b, float* __restrict y) {
  const float d = f16_at(b);
  const uint32_t qh = u32_at(b + 2);
  const u8* qs = b + 6;
  for (int j = 0; j < 16; ++j)
    y[j] = d * static_cast<float>(static_cast<int>((qs[j] & 0x0f) | ((qh >> j) & 1u) << 4) - 16);
  for (int j = 0; j < 16; ++j)
    y[j + 16] = d * static_cast<float>(static_cast<int>((qs[j] >> 4) | ((qh >> (j + 16)) & 1u) << 4) - 16);
}

// Q5_1 (24 B): f16 d | f16 m | u32 qh | qs[16]. w = d*q + m.
void block_q5_1(const u8* __restrict b, float* __restrict y) {
  const float d = f16_at(b), m = f16_at(b + 2);
  const uint32_t qh = u32_at(b + 4);
  const u8* qs = b + 8;
  for (int j = 0; j < 16; ++j) y[j] = d * static_cast<float>((qs[j] & 0x0f) | ((qh >> j) & 1u) << 4) + m;
  for (int j = 0; j < 16; ++j) y[j + 16] = d * static_cast<float>((qs[j] >> 4) | ((qh >> (j + 16)) & 1u) << 4) + m;
}

// Q8_0 (34 B): f16 d | int8 qs[32]. w = q * d.
void block_q8_0(const u8* __restrict b, float* __restrict y) {
  const float d = f16_at(b);
  const auto* qs = reinterpret_cast<const int8_t*>(b + 2);
  for (int e = 0; e < kQK; ++e) y[e] = static_cast<float>(qs[e]) * d;
}

// Q2_K (84 B): scales[16] | qs[64] | f16 d | f16 dmin. Sixteen groups of 16 weights; group g's
// byte holds a 4-bit scale (low) and a 4-bit min (high). Weight e's 2-bit code is bits
// 2*((e%128)/32) of qs[32*(e/128) + e%32]. w = (d*sc)*q - dmin*m.
void block_q2_k(const u8* __restrict b, float* __restrict y) {
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

// Q3_K (110 B): hmask[32] | qs[64] | scales[12] | f16 d. Weight e: 2 low bits as Q2_K's, minus 4
// when bit e/32 of hmask[e%32] is clear. w = (d*scale)*q.
void block_q3_k(const u8* __restrict b, float* __restrict y) {
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

// Q4_K (144 B): f16 d | f16 dmin | scales[12] | qs[128]. Weight e: sub-block j = e/32; its
// code is nibble (j%2) of qs[32*(j/2) + e%32]. w = (d*sc)*q - dmin*m.
void block_q4_k(const u8* __restrict b, float* __restrict y) {
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
void block_q5_k(const u8* __restrict b, float* __restrict y) {
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
void block_q6_k(const u8* __restrict b, float* __restrict y) {
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

inline float iq4(int code) { return static_cast<float>(kIq4nlGrid[code]); }

// IQ4_NL (18 B): f16 d | qs[16], nibbles as Q4_0. w = d * grid[q].
void block_iq4_nl(const u8* __restrict b, float* __restrict y) {
  const float d = f16_at(b);
  const u8* qs = b + 2;
  for (int j = 0; j < 16; ++j) y[j] = d * iq4(qs[j] & 0x0f);
  for (int j = 0; j < 16; ++j) y[j + 16] = d * iq4(qs[j] >> 4);
}

// IQ4_XS (136 B): f16 d | u16 scales_h | scales_l[4] | qs[128]. Sub-block j (32 weights) has
// the 6-bit scale (nibble j%2 of scales_l[j/2]) | (bits 2j of scales_h) << 4, biased by 32,
// and its nibbles in qs[16j..16j+16) as Q4_0. w = (d*(scale-32)) * grid[q].
void block_iq4_xs(const u8* __restrict b, float* __restrict y) {
  const float d = f16_at(b);
  uint16_t scales_h;
  std::memcpy(&scales_h, b + 2, 2);
  const u8* scales_l = b + 4;
  for (int j = 0; j < 8; ++j) {
    const float dl = d * static_cast<float>(iq4_xs_scale(scales_h, scales_l, j));
    const u8* qs = b + 8 + 16 * j;
    float* out = y + 32 * j;
    for (int l = 0; l < 16; ++l) out[l] = dl * iq4(qs[l] & 0x0f);
    for (int l = 0; l < 16; ++l) out[l + 16] = dl * iq4(qs[l] >> 4);
  }
}

template <void (*Block)(const u8*, float*), int kWeights, size_t kBytes>
void expand(const std::byte* src, int64_t n, float* dst) {
  const auto* b = reinterpret_cast<const u8*>(src);
  for (int64_t i = 0, blocks = n / kWeights; i < blocks; ++i) Block(b + kBytes * i, dst + kWeights * i);
}

}  // namespace

namespace {
void check_whole_blocks(DType t, int64_t n) {
  if (!dtype_is_weight(t))
    fail("ggml", "dtype " + std::string(dtype_name(t)) + " is not a weight type that expands to f32");
  if (n < 0 || n % dtype_block_size(t) != 0)
    fail("ggml", std::string(dtype_name(t)) + " holds whole blocks of " + std::to_string(dtype_block_size(t)) +
                     " weights; cannot expand " + std::to_string(n));
}
}  // namespace

void dequantize_blocks_portable(DType t, const std::byte* src, int64_t n, float* dst) {
  check_whole_blocks(t, n);
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
    default: fail("ggml", "no decoder for " + std::string(dtype_name(t)));
  }
}

void dequantize_blocks(DType t, const std::byte* src, int64_t n, float* dst) {
  check_whole_blocks(t, n);
  if (n == 0) return;
  if (dtype_is_block(t) && dequantize_blocks_avx2(t, src, n, dst)) return;
  dequantize_blocks_portable(t, src, n, dst);
}

}  // namespace lq
