#include "analysis/correlation.h"

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <limits>
#include <numeric>

#include "analysis/rng.h"
#include "core/error.h"

namespace lq::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_input(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size())
    fail("correlation", "the series differ in length (" + std::to_string(x.size()) + " and " +
                            std::to_string(y.size()) + " values)");
  if (x.size() < 3) fail("correlation", "needs at least 3 pairs, got " + std::to_string(x.size()));
  for (size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i]) || !std::isfinite(y[i]))
      fail("correlation", "pair " + std::to_string(i) + " holds a non-finite value");
}

bool constant(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [&](double a) { return a == v[0]; });
}

// Centred copy and its sum of squares (two passes: exact enough to match numpy to 1e-15).
std::vector<double> centred(const std::vector<double>& v, double* ss) {
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  std::vector<double> c(v.size());
  *ss = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    c[i] = v[i] - mean;
    *ss += c[i] * c[i];
  }
  return c;
}

// The coefficient of transformed data; `transform` is identity for Pearson, ranks for Spearman.
template <class Transform>
Correlation correlate(const char* method, const std::vector<double>& x, const std::vector<double>& y,
                      const CorrelationOptions& o, Transform transform) {
  check_input(x, y);
  Correlation c;
  c.method = method;
  c.n = static_cast<int>(x.size());
  const std::vector<double> tx = transform(x), ty = transform(y);
  double sxx, syy;
  const std::vector<double> cx = centred(tx, &sxx), cy = centred(ty, &syy);
  if (constant(tx) || constant(ty)) {
    c.r = c.lo = c.hi = c.p_value = kNaN;
    return c;
  }
  const double norm = std::sqrt(sxx) * std::sqrt(syy);
  const double dot = std::inner_product(cx.begin(), cx.end(), cy.begin(), 0.0);
  c.r = std::clamp(dot / norm, -1.0, 1.0);

  Rng rng(o.seed);
  // Bootstrap: resample pairs with replacement, re-transform (Spearman re-ranks the resample).
  c.lo = c.hi = kNaN;
  if (o.bootstrap > 0) {
    std::vector<double> rs, bx(x.size()), by(y.size());
    rs.reserve(o.bootstrap);
    for (int b = 0; b < o.bootstrap; ++b) {
      for (size_t i = 0; i < x.size(); ++i) {
        const size_t j = rng.below(x.size());
        bx[i] = x[j];
        by[i] = y[j];
      }
      const double r = pearson_r(transform(bx), transform(by));
      if (!std::isnan(r)) rs.push_back(r);
    }
    if (2 * rs.size() >= static_cast<size_t>(o.bootstrap)) {
      std::sort(rs.begin(), rs.end());
      c.lo = percentile_sorted(rs, 0.025);
      c.hi = percentile_sorted(rs, 0.975);
    }
  }
  // Permutation test: shuffling y keeps both centred norms, so only the dot product changes.
  c.p_value = kNaN;
  if (o.permutations > 0) {
    std::vector<double> py = cy;
    const double threshold = std::abs(dot) * (1 - 1e-12);
    int64_t count = 0;
    for (int p = 0; p < o.permutations; ++p) {
      for (size_t i = py.size() - 1; i > 0; --i) std::swap(py[i], py[rng.below(i + 1)]);
      const double d = std::inner_product(cx.begin(), cx.end(), py.begin(), 0.0);
      if (std::abs(d) >= threshold) ++count;
    }
    c.p_value = static_cast<double>(count + 1) / static_cast<double>(o.permutations + 1);
  }
  return c;
}

}  // namespace

std::vector<double> average_ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> rank(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double mean_rank = (static_cast<double>(i + 1) + static_cast<double>(j + 1)) / 2;
    for (size_t k = i; k <= j; ++k) rank[order[k]] = mean_rank;
    i = j + 1;
  }
  return rank;
}

std::string too_few_pairs(int n) {
  if (n >= kMinConclusivePairs) return "";
  double factorial = 1;
  for (int i = 2; i <= n; ++i) factorial *= i;
  char two[32], one[32];
  std::snprintf(two, sizeof two, "%.3g", std::min(1.0, 2 / factorial));
  std::snprintf(one, sizeof one, "%.3g", 1 / factorial);
  return "too few to conclude anything: with n = " + std::to_string(n) +
         " pairs, Spearman's rho cannot reach p < 0.05 (its smallest two-sided permutation p is 2/n! = " + two +
         ") and Pearson's r at best 1/n! = " + one + "; read the numbers as description, not evidence";
}

// Linear interpolation between order statistics at q * (m - 1), as numpy.percentile.
double percentile_sorted(const std::vector<double>& s, double q) {
  const double pos = q * static_cast<double>(s.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, s.size() - 1);
  return s[lo] + (pos - static_cast<double>(lo)) * (s[hi] - s[lo]);
}

double pearson_r(const std::vector<double>& x, const std::vector<double>& y) {
  double sxx, syy;
  const std::vector<double> cx = centred(x, &sxx), cy = centred(y, &syy);
  if (constant(x) || constant(y)) return kNaN;
  const double dot = std::inner_product(cx.begin(), cx.end(), cy.begin(), 0.0);
  return std::clamp(dot / (std::sqrt(sxx) * std::sqrt(syy)), -1.0, 1.0);
}

Correlation pearson(const std::vector<double>& x, const std::vector<double>& y, const CorrelationOptions& o) {
  return correlate("pearson", x, y, o, [](const std::vector<double>& v) { return v; });
}

Correlation spearman(const std::vector<double>& x, const std::vector<double>& y, const CorrelationOptions& o) {
  return correlate("spearman", x, y, o, average_ranks);
}

}  // namespace lq::analysis
