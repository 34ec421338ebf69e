#include "quant/aciq.h"

#include <array>
#include <cmath>
#include <numbers>

#include "core/error.h"

namespace lq::quant {
namespace {

double rounding_term(double alpha, int bits) { return alpha * alpha / (3.0 * std::pow(4.0, bits)); }

// Minimum of a convex function on [lo, hi] by golden-section search.
template <class F>
double golden_min(F f, double lo, double hi) {
  const double r = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = lo, b = hi;
  double c = b - r * (b - a), d = a + r * (b - a);
  double fc = f(c), fd = f(d);
  while (b - a > 1e-10) {
    if (fc < fd) {
      b = d, d = c, fd = fc;
      c = b - r * (b - a), fc = f(c);
    } else {
      a = c, c = d, fc = fd;
      d = a + r * (b - a), fd = f(d);
    }
  }
  return (a + b) / 2;
}

void check_bits(int bits) {
  if (bits < 1 || bits > 16) fail("aciq", "bit width must be 1..16, got " + std::to_string(bits));
}

}  // namespace

double aciq_mse_laplace(double alpha, int bits) {
  return 2.0 * std::exp(-alpha) + rounding_term(alpha, bits);
}

double aciq_mse_gauss(double alpha, int bits) {
  const double clip = (alpha * alpha + 1.0) * std::erfc(alpha / std::numbers::sqrt2) -
                      std::sqrt(2.0 / std::numbers::pi) * alpha * std::exp(-alpha * alpha / 2.0);
  return clip + rounding_term(alpha, bits);
}

double aciq_alpha_laplace(int bits) {
  check_bits(bits);
  static const std::array<double, 17> table = [] {
    std::array<double, 17> t{};
    for (int m = 1; m <= 16; ++m)
      t[m] = golden_min([m](double a) { return aciq_mse_laplace(a, m); }, 0.0, 40.0);
    return t;
  }();
  return table[bits];
}

double aciq_alpha_gauss(int bits) {
  check_bits(bits);
  static const std::array<double, 17> table = [] {
    std::array<double, 17> t{};
    for (int m = 1; m <= 16; ++m)
      t[m] = golden_min([m](double a) { return aciq_mse_gauss(a, m); }, 0.0, 20.0);
    return t;
  }();
  return table[bits];
}

}  // namespace lq::quant
