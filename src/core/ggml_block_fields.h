// Internal to core/ggml_dequantize*.cpp: reading the scale fields of ggml blocks, shared by the
// portable decoders and the vector kernels so that each field layout is written once.
// Layouts are ggml's (ggml-common.h, block_* structs): little-endian, no padding.
#pragma once
#include <bit>
#include <cstdint>
#include <cstring>

#include "core/half.h"

#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace lq::ggml_fields {

static_assert(std::endian::native == std::endian::little, "GGUF block layouts are little-endian");

inline float f16_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
#if defined(__F16C__)
  return _cvtsh_ss(h);  // the instruction f16_to_f32 mirrors, NaN quieting included
#else
  return f16_to_f32(h);
#endif
}

inline uint32_t u32_at(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Q3_K's sixteen 6-bit scales (stored with a +32 bias), unbiased: the low 4 bits of group g are
// the nibbles of bytes 0..7 (low nibbles for groups 0..7, high nibbles for 8..15), the top 2
// bits are bits 2*(g/4) of byte 8 + g%4.
inline void q3_k_scales(const uint8_t* s, int* out) {
  for (int g = 0; g < 16; ++g) {
    const int low = g < 8 ? (s[g] & 0x0f) : (s[g - 8] >> 4);
    const int high = (s[8 + g % 4] >> (2 * (g / 4))) & 3;
    out[g] = (low | high << 4) - 32;
  }
}

// Q4_K and Q5_K: eight 6-bit scales and mins in 12 bytes. For sub-block j < 4, scale and min
// are the low 6 bits of bytes j and j+4; for j >= 4, the low nibble (scale) or high nibble
// (min) of byte j+4 with the top two bits of bytes j-4 (scale) or j (min) as bits 4..5.
inline void k_scale_min(const uint8_t* s, int j, int& sc, int& m) {
  if (j < 4) {
    sc = s[j] & 63;
    m = s[j + 4] & 63;
  } else {
    sc = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
    m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

// IQ4_XS: sub-block j's 6-bit scale, unbiased: nibble j%2 of scales_l[j/2], with bits 2j of
// the u16 scales_h as bits 4..5, minus 32.
inline int iq4_xs_scale(uint16_t scales_h, const uint8_t* scales_l, int j) {
  return (((scales_l[j / 2] >> (4 * (j % 2))) & 0x0f) | ((scales_h >> (2 * j)) & 3) << 4) - 32;
}

// ggml's kvalues_iq4nl: the non-uniform 4-bit grid of IQ4_NL and IQ4_XS.
inline constexpr int8_t kIq4nlGrid[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                          1,    13,   25,  38,  53,  69,  89,  113};

}  // namespace lq::ggml_fields
