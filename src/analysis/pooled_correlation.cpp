#include "analysis/pooled_correlation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "analysis/rng.h"
#include "core/error.h"

namespace lq::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Each group's values (ranked when asked), minus the group's mean, at the pairs' positions.
std::vector<double> within(const std::vector<double>& v, const std::vector<std::vector<size_t>>& groups, bool rank) {
  std::vector<double> out(v.size());
  std::vector<double> sub;
  for (const auto& idx : groups) {
    sub.clear();
    for (size_t i : idx) sub.push_back(v[i]);
    if (rank) sub = average_ranks(sub);
    const double mean = std::accumulate(sub.begin(), sub.end(), 0.0) / static_cast<double>(sub.size());
    for (size_t k = 0; k < idx.size(); ++k) out[idx[k]] = sub[k] - mean;
  }
  return out;
}

double r_of(const std::vector<double>& cx, const std::vector<double>& cy) {
  const double sxx = std::inner_product(cx.begin(), cx.end(), cx.begin(), 0.0);
  const double syy = std::inner_product(cy.begin(), cy.end(), cy.begin(), 0.0);
  if (sxx == 0 || syy == 0) return kNaN;
  const double dot = std::inner_product(cx.begin(), cx.end(), cy.begin(), 0.0);
  return std::clamp(dot / (std::sqrt(sxx) * std::sqrt(syy)), -1.0, 1.0);
}

}  // namespace

Correlation pooled_correlation(const std::string& method, const std::vector<double>& x, const std::vector<double>& y,
                               const std::vector<int>& group, const CorrelationOptions& o) {
  if (method != "pearson" && method != "spearman") fail("correlation", "unknown method '" + method + "'");
  if (x.size() != y.size() || x.size() != group.size())
    fail("correlation", "the series and their groups differ in length");
  if (x.size() < 3) fail("correlation", "needs at least 3 pairs, got " + std::to_string(x.size()));
  for (size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i]) || !std::isfinite(y[i]))
      fail("correlation", "pair " + std::to_string(i) + " holds a non-finite value");
  std::map<int, std::vector<size_t>> by_group;
  for (size_t i = 0; i < group.size(); ++i) by_group[group[i]].push_back(i);
  std::vector<std::vector<size_t>> groups;
  for (auto& [g, idx] : by_group) {
    if (idx.size() < 2) fail("correlation", "group " + std::to_string(g) + " has a single pair (need 2 to centre it)");
    groups.push_back(std::move(idx));
  }
  const bool rank = method == "spearman";
  Correlation c;
  c.method = method;
  c.n = static_cast<int>(x.size());
  const std::vector<double> cx = within(x, groups, rank), cy = within(y, groups, rank);
  c.r = r_of(cx, cy);
  c.lo = c.hi = c.p_value = kNaN;
  if (std::isnan(c.r)) return c;

  Rng rng(o.seed);
  if (o.bootstrap > 0) {
    std::vector<double> rs, bx(x.size()), by(y.size());
    for (int b = 0; b < o.bootstrap; ++b) {
      for (const auto& idx : groups)  // resample within each group, positions kept
        for (size_t i : idx) {
          const size_t j = idx[rng.below(idx.size())];
          bx[i] = x[j];
          by[i] = y[j];
        }
      const double r = r_of(within(bx, groups, rank), within(by, groups, rank));
      if (!std::isnan(r)) rs.push_back(r);
    }
    if (2 * rs.size() >= static_cast<size_t>(o.bootstrap)) {
      std::sort(rs.begin(), rs.end());
      c.lo = percentile_sorted(rs, 0.025);
      c.hi = percentile_sorted(rs, 0.975);
    }
  }
  if (o.permutations > 0) {
    // Shuffling y within a group keeps every group's centring and both norms: only the dot
    // product changes.
    const double dot = std::inner_product(cx.begin(), cx.end(), cy.begin(), 0.0);
    const double threshold = std::abs(dot) * (1 - 1e-12);
    std::vector<double> py = cy;
    int64_t count = 0;
    for (int p = 0; p < o.permutations; ++p) {
      for (const auto& idx : groups)
        for (size_t k = idx.size() - 1; k > 0; --k) std::swap(py[idx[k]], py[idx[rng.below(k + 1)]]);
      if (std::abs(std::inner_product(cx.begin(), cx.end(), py.begin(), 0.0)) >= threshold) ++count;
    }
    c.p_value = static_cast<double>(count + 1) / static_cast<double>(o.permutations + 1);
  }
  return c;
}

}  // namespace lq::analysis
