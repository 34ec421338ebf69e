// IEEE binary16 and bfloat16 <-> float32. Conversions to float are exact; conversions from
// float round to nearest, ties to even (as numpy and PyTorch do), keeping NaN a NaN.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace lq {

inline float bf16_to_f32(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline uint16_t f32_to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);  // quiet NaN
  uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

inline float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t man = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        man <<= 1;
      } while ((man & 0x400u) == 0);
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (man & 0x3ffu) << 13;
    }
  } else if (exp == 31) {  // inf, or NaN made quiet as the F16C instruction does
    bits = sign | 0x7f800000u | man << 13 | (man ? 0x00400000u : 0u);
  } else {
    bits = sign | (exp + 127 - 15) << 23 | man << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t f32_to_f16(float f);

// Bulk conversions used on the weight path (vectorised where the CPU allows). src is n
// little-endian 16-bit values at any byte address: tensors in a mapped file may start at an odd
// offset, so it is read bytewise, never through a uint16_t pointer.
void f16_to_f32_row(const void* src, float* dst, size_t n);
void bf16_to_f32_row(const void* src, float* dst, size_t n);

}  // namespace lq
