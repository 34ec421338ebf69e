// Central moments up to the fourth, computed per tensor in double and pooled exactly across
// tensors (the pairwise update of Chan et al. / Pebay 2008), so a layer's skewness and
// kurtosis are those of all its weights together, not an average of per-tensor values.
#pragma once
#include <cstdint>

namespace lq::analysis {

struct Moments {
  double n = 0, mean = 0;
  double m2 = 0, m3 = 0, m4 = 0;  // sums of (x - mean)^k

  // From values with two passes (mean first, then the centred sums).
  static Moments of(const float* x, int64_t count);
  void merge(const Moments& b);

  double variance() const;  // population (divides by n)
  // Biased estimators as scipy.stats.skew / kurtosis defaults (bias=True, fisher=True):
  // m3 / m2^1.5 and m4 / m2^2 - 3 with m_k = M_k / n. NaN when the values are constant
  // (variance below (1e-15 * mean)^2, scipy's own test).
  double skewness() const;
  double excess_kurtosis() const;
  bool degenerate() const;
};

}  // namespace lq::analysis
