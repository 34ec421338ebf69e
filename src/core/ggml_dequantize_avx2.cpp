// AVX2 kernels for dequantize_blocks: the same layouts and the same f32 operations as the
// portable decoders in ggml_dequantize.cpp, 8 weights per instruction. Codes are unpacked to
// int8 with byte shuffles and shifts, widened to int32 and converted to f32 (exact), multiplied
// by the f32 scale (exact: see ggml_dequantize.cpp) and, where the type has one, the min is
// added or subtracted (the one rounding). Without AVX2 and F16C this file defines a stub and
// the portable decoders run. test_core pins every kernel to the portable decoders bit for bit.
#include "core/ggml_dequantize_avx2.h"

#if defined(__AVX2__) && defined(__F16C__)

#include <immintrin.h>

#include "core/ggml_block_fields.h"

namespace lq {
namespace {

using u8 = uint8_t;
using namespace ggml_fields;

inline __m128i load16(const u8* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
inline __m256i load32(const u8* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// Eight int8 codes (the low 8 bytes of v) as f32.
inline __m256 cvt8(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v)); }

// y[0..32) = s * q for 32 int8 codes, with scale s0 for weights 0..15 and s1 for 16..31.
inline void scale32(__m256i q, __m256 s0, __m256 s1, float* y) {
  const __m128i a = _mm256_castsi256_si128(q), b = _mm256_extracti128_si256(q, 1);
  _mm256_storeu_ps(y, _mm256_mul_ps(s0, cvt8(a)));
  _mm256_storeu_ps(y + 8, _mm256_mul_ps(s0, cvt8(_mm_srli_si128(a, 8))));
  _mm256_storeu_ps(y + 16, _mm256_mul_ps(s1, cvt8(b)));
  _mm256_storeu_ps(y + 24, _mm256_mul_ps(s1, cvt8(_mm_srli_si128(b, 8))));
}
// y = s*q - m, per half as scale32.
inline void scale32_sub(__m256i q, __m256 s0, __m256 s1, __m256 m0, __m256 m1, float* y) {
  const __m128i a = _mm256_castsi256_si128(q), b = _mm256_extracti128_si256(q, 1);
  _mm256_storeu_ps(y, _mm256_sub_ps(_mm256_mul_ps(s0, cvt8(a)), m0));
  _mm256_storeu_ps(y + 8, _mm256_sub_ps(_mm256_mul_ps(s0, cvt8(_mm_srli_si128(a, 8))), m0));
  _mm256_storeu_ps(y + 16, _mm256_sub_ps(_mm256_mul_ps(s1, cvt8(b)), m1));
  _mm256_storeu_ps(y + 24, _mm256_sub_ps(_mm256_mul_ps(s1, cvt8(_mm_srli_si128(b, 8))), m1));
}
// y = s*q + m for all 32.
inline void scale32_add(__m256i q, __m256 s, __m256 m, float* y) {
  const __m128i a = _mm256_castsi256_si128(q), b = _mm256_extracti128_si256(q, 1);
  _mm256_storeu_ps(y, _mm256_add_ps(_mm256_mul_ps(s, cvt8(a)), m));
  _mm256_storeu_ps(y + 8, _mm256_add_ps(_mm256_mul_ps(s, cvt8(_mm_srli_si128(a, 8))), m));
  _mm256_storeu_ps(y + 16, _mm256_add_ps(_mm256_mul_ps(s, cvt8(b)), m));
  _mm256_storeu_ps(y + 24, _mm256_add_ps(_mm256_mul_ps(s, cvt8(_mm_srli_si128(b, 8))), m));
}

inline __m256 splat(float x) { return _mm256_set1_ps(x); }

// 16 bytes of nibble pairs -> 32 codes 0..15: weights 0..15 from the low nibbles, 16..31 from
// the high nibbles (the 32-weight types' packing).
inline __m256i nibbles32(const u8* qs) {
  const __m128i x = load16(qs), low = _mm_set1_epi8(0x0f);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(x, 4), low), _mm_and_si128(x, low));
}

// Bit e of qh as 0x10 in byte e (Q5_0/Q5_1's fifth bits): byte e takes byte e/8 of qh, is
// tested against bit e%8, and becomes 0x10 where set.
inline __m256i fifth_bits32(uint32_t qh) {
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(static_cast<int>(qh)),
      _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303));
  const __m256i bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
  const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
  return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

// The IQ4 grid looked up for 32 codes 0..15 (a 16-entry byte shuffle in each lane).
inline __m256i iq4_lookup(__m256i codes) {
  const __m128i grid = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4nlGrid));
  return _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(grid), codes);
}

void q4_0(const u8* b, float* y) {
  const __m256 d = splat(f16_at(b));
  scale32(_mm256_sub_epi8(nibbles32(b + 2), _mm256_set1_epi8(8)), d, d, y);
}
void q4_1(const u8* b, float* y) { scale32_add(nibbles32(b + 4), splat(f16_at(b)), splat(f16_at(b + 2)), y); }
void q5_0(const u8* b, float* y) {
  const __m256 d = splat(f16_at(b));
  const __m256i q = _mm256_or_si256(nibbles32(b + 6), fifth_bits32(u32_at(b + 2)));
  scale32(_mm256_sub_epi8(q, _mm256_set1_epi8(16)), d, d, y);
}
void q5_1(const u8* b, float* y) {
  const __m256i q = _mm256_or_si256(nibbles32(b + 8), fifth_bits32(u32_at(b + 4)));
  scale32_add(q, splat(f16_at(b)), splat(f16_at(b + 2)), y);
}
void q8_0(const u8* b, float* y) {
  const __m256 d = splat(f16_at(b));
  scale32(load32(b + 2), d, d, y);
}
void iq4_nl(const u8* b, float* y) {
  const __m256 d = splat(f16_at(b));
  scale32(iq4_lookup(nibbles32(b + 2)), d, d, y);
}

// Q2_K: 32 weights per (half, shift) read from 32 bytes of qs; groups of 16 with their own
// scale and min.
void q2_k(const u8* b, float* y) {
  const u8* sc = b;
  const float d = f16_at(b + 80), dmin = f16_at(b + 82);
  const __m256i three = _mm256_set1_epi8(3);
  for (int half = 0; half < 2; ++half) {
    const __m256i qs = load32(b + 16 + 32 * half);
    for (int shift = 0; shift < 4; ++shift) {
      const int g = 8 * half + 2 * shift;
      const __m256i q = _mm256_and_si256(_mm256_srl_epi16(qs, _mm_cvtsi32_si128(2 * shift)), three);
      scale32_sub(q, splat(d * static_cast<float>(sc[g] & 0x0f)), splat(d * static_cast<float>(sc[g + 1] & 0x0f)),
                  splat(dmin * static_cast<float>(sc[g] >> 4)), splat(dmin * static_cast<float>(sc[g + 1] >> 4)),
                  y + 16 * g);
    }
  }
}

// Q3_K: as Q2_K's 2-bit codes, plus 4 where the hmask bit is set, minus 4.
void q3_k(const u8* b, float* y) {
  const float d = f16_at(b + 108);
  int scale[16];
  q3_k_scales(b + 96, scale);
  const __m256i hmask = load32(b), three = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
  for (int half = 0; half < 2; ++half) {
    const __m256i qs = load32(b + 32 + 32 * half);
    for (int shift = 0; shift < 4; ++shift) {
      const int bit = 4 * half + shift, g = 2 * bit;
      const __m256i lo = _mm256_and_si256(_mm256_srl_epi16(qs, _mm_cvtsi32_si128(2 * shift)), three);
      const __m256i hi = _mm256_and_si256(_mm256_srl_epi16(hmask, _mm_cvtsi32_si128(bit)), one);
      const __m256i q = _mm256_sub_epi8(_mm256_or_si256(lo, _mm256_slli_epi16(hi, 2)), _mm256_set1_epi8(4));
      scale32(q, splat(d * static_cast<float>(scale[g])), splat(d * static_cast<float>(scale[g + 1])), y + 16 * g);
    }
  }
}

// Q4_K / Q5_K: sub-blocks 2p and 2p+1 share 32 bytes of qs (low and high nibbles).
template <bool kFifthBit>
void q45_k(const u8* b, float* y) {
  const float d = f16_at(b), dmin = f16_at(b + 2);
  const u8* qs = b + (kFifthBit ? 48 : 16);
  const __m256i low = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi8(1);
  const __m256i qh = kFifthBit ? load32(b + 16) : _mm256_setzero_si256();
  for (int p = 0; p < 4; ++p) {
    const __m256i x = load32(qs + 32 * p);
    for (int s = 0; s < 2; ++s) {
      const int j = 2 * p + s;
      __m256i q = _mm256_and_si256(s ? _mm256_srli_epi16(x, 4) : x, low);
      if (kFifthBit)
        q = _mm256_or_si256(q, _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(j)), one), 4));
      int sc, m;
      k_scale_min(b + 4, j, sc, m);
      const __m256 d1 = splat(d * static_cast<float>(sc)), m1 = splat(dmin * static_cast<float>(m));
      scale32_sub(q, d1, d1, m1, m1, y + 32 * j);
    }
  }
}

// Q6_K: 32 weights per (h, k): low nibbles from 32 bytes of ql, top two bits from 32 bytes of qh.
void q6_k(const u8* b, float* y) {
  const auto* scales = reinterpret_cast<const int8_t*>(b + 192);
  const float d = f16_at(b + 208);
  const __m256i low = _mm256_set1_epi8(0x0f), three = _mm256_set1_epi8(3);
  for (int h = 0; h < 2; ++h) {
    const __m256i qh = load32(b + 128 + 32 * h);
    for (int k = 0; k < 4; ++k) {
      const __m256i ql = load32(b + 64 * h + 32 * (k % 2));
      const __m256i lo = _mm256_and_si256(k / 2 ? _mm256_srli_epi16(ql, 4) : ql, low);
      const __m256i hi = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * k)), three);
      const __m256i q = _mm256_sub_epi8(_mm256_or_si256(lo, _mm256_slli_epi16(hi, 4)), _mm256_set1_epi8(32));
      const int g = 8 * h + 2 * k;
      scale32(q, splat(d * static_cast<float>(scales[g])), splat(d * static_cast<float>(scales[g + 1])), y + 16 * g);
    }
  }
}

void iq4_xs(const u8* b, float* y) {
  const float d = f16_at(b);
  uint16_t scales_h;
  std::memcpy(&scales_h, b + 2, 2);
  for (int j = 0; j < 8; ++j) {
    const __m256 dl = splat(d * static_cast<float>(iq4_xs_scale(scales_h, b + 4, j)));
    scale32(iq4_lookup(nibbles32(b + 8 + 16 * j)), dl, dl, y + 32 * j);
  }
}

template <void (*Block)(const u8*, float*), int kWeights, size_t kBytes>
void expand(const std::byte* src, int64_t n, float* dst) {
  const auto* b = reinterpret_cast<const u8*>(src);
  for (int64_t i = 0, blocks = n / kWeights; i < blocks; ++i) Block(b + kBytes * i, dst + kWeights * i);
}

}  // namespace

bool dequantize_blocks_avx2(DType t, const std::byte* src, int64_t n, float* dst) {
  switch (t) {
    case DType::Q4_0: expand<q4_0, 32, 18>(src, n, dst); return true;
    case DType::Q4_1: expand<q4_1, 32, 20>(src, n, dst); return true;
    case DType::Q5_0: expand<q5_0, 32, 22>(src, n, dst); return true;
    case DType::Q5_1: expand<q5_1, 32, 24>(src, n, dst); return true;
    case DType::Q8_0: expand<q8_0, 32, 34>(src, n, dst); return true;
    case DType::Q2_K: expand<q2_k, 256, 84>(src, n, dst); return true;
    case DType::Q3_K: expand<q3_k, 256, 110>(src, n, dst); return true;
    case DType::Q4_K: expand<q45_k<false>, 256, 144>(src, n, dst); return true;
    case DType::Q5_K: expand<q45_k<true>, 256, 176>(src, n, dst); return true;
    case DType::Q6_K: expand<q6_k, 256, 210>(src, n, dst); return true;
    case DType::IQ4_NL: expand<iq4_nl, 32, 18>(src, n, dst); return true;
    case DType::IQ4_XS: expand<iq4_xs, 256, 136>(src, n, dst); return true;
    default: return false;
  }
}

}  // namespace lq

#else

namespace lq {
bool dequantize_blocks_avx2(DType, const std::byte*, int64_t, float*) { return false; }
}  // namespace lq

#endif
