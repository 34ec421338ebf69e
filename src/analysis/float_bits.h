// The bit pattern of |x| as an unsigned integer: for non-negative floats its order is the
// numeric order, so magnitudes can be bucketed (radix selection of medians and top-k shares)
// by their high bits without sorting.
#pragma once
#include <cstdint>
#include <cstring>

namespace lq::analysis {

inline uint32_t abs_bits(float x) {
  uint32_t b;
  std::memcpy(&b, &x, 4);
  return b & 0x7fffffffu;
}

inline float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

}  // namespace lq::analysis
