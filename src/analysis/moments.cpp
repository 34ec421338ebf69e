#include "analysis/moments.h"

#include <cmath>
#include <limits>

namespace lq::analysis {

Moments Moments::of(const float* x, int64_t count) {
  Moments m;
  m.n = static_cast<double>(count);
  if (count == 0) return m;
  double s = 0;
  for (int64_t i = 0; i < count; ++i) s += x[i];
  m.mean = s / m.n;
  for (int64_t i = 0; i < count; ++i) {
    const double d = x[i] - m.mean, d2 = d * d;
    m.m2 += d2;
    m.m3 += d2 * d;
    m.m4 += d2 * d2;
  }
  return m;
}

void Moments::merge(const Moments& b) {
  if (b.n == 0) return;
  if (n == 0) {
    *this = b;
    return;
  }
  const double na = n, nb = b.n, nt = na + nb;
  const double d = b.mean - mean, d2 = d * d;
  const double m4t = m4 + b.m4 + d2 * d2 * na * nb * (na * na - na * nb + nb * nb) / (nt * nt * nt) +
                     6 * d2 * (na * na * b.m2 + nb * nb * m2) / (nt * nt) + 4 * d * (na * b.m3 - nb * m3) / nt;
  const double m3t = m3 + b.m3 + d2 * d * na * nb * (na - nb) / (nt * nt) + 3 * d * (na * b.m2 - nb * m2) / nt;
  const double m2t = m2 + b.m2 + d2 * na * nb / nt;
  mean += d * nb / nt;
  n = nt;
  m2 = m2t;
  m3 = m3t;
  m4 = m4t;
}

double Moments::variance() const { return n > 0 ? m2 / n : std::numeric_limits<double>::quiet_NaN(); }

// scipy's test for a constant input: a variance below float64 resolution relative to the mean.
bool Moments::degenerate() const {
  const double v = m2 / n, floor = 1e-15 * mean;
  return !(n > 0) || v <= floor * floor;
}

double Moments::skewness() const {
  if (degenerate()) return std::numeric_limits<double>::quiet_NaN();
  const double v = m2 / n;
  return (m3 / n) / (v * std::sqrt(v));
}

double Moments::excess_kurtosis() const {
  if (degenerate()) return std::numeric_limits<double>::quiet_NaN();
  const double v = m2 / n;
  return (m4 / n) / (v * v) - 3;
}

}  // namespace lq::analysis
