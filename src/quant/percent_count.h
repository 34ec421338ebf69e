// How many of n elements (or units) a selector of K percent takes: exactly ceil(K/100 * n),
// with a tolerance so that a share given in decimal (0.1%) is not rounded up by binary error.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace lq::quant {

inline int64_t percent_count(double percent, int64_t n) {
  const double k = std::ceil(percent / 100.0 * static_cast<double>(n) - 1e-9);
  return std::clamp<int64_t>(static_cast<int64_t>(k), 0, n);
}

}  // namespace lq::quant
