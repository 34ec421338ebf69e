#include "eval/paired.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace lq {

PlanSamples ratio_of_sums_samples(const RatioOfSums& u, const BootstrapOptions& opt) {
  const size_t n = u.den.size(), P = u.num.size();
  const int B = std::max(0, opt.replicates);
  PlanSamples out(P, std::vector<double>(static_cast<size_t>(B) + 1));
  for (int r = -1; r < B; ++r) {
    const ResampleCounts c = resample_counts(opt.seed, r, n);
    double den = 0;
    for (size_t i = 0; i < n; ++i) den += c[i] * u.den[i];
    for (size_t p = 0; p < P; ++p) {
      double num = 0;
      for (size_t i = 0; i < n; ++i) num += c[i] * u.num[p][i];
      out[p][static_cast<size_t>(r + 1)] = num / den;
    }
  }
  return out;
}

PairedReplicates::PairedReplicates(PlanSamples samples, double confidence)
    : s_(std::move(samples)), confidence_(confidence) {
  for (const auto& v : s_)
    if (v.size() != s_.front().size()) throw std::invalid_argument("paired samples of unequal replicate counts");
}

Estimate PairedReplicates::reduce(const std::vector<double>& v) const {
  if (v.size() <= 1) return {v.empty() ? NAN : v[0], v.empty() ? NAN : v[0], v.empty() ? NAN : v[0]};
  return percentile_interval(v[0], std::vector<double>(v.begin() + 1, v.end()), confidence_);
}

Estimate PairedReplicates::plan(size_t a) const { return reduce(s_.at(a)); }

Estimate PairedReplicates::difference(size_t a, size_t b) const {
  std::vector<double> d(s_.at(a).size());
  for (size_t k = 0; k < d.size(); ++k) d[k] = s_[a][k] - s_.at(b)[k];
  return reduce(d);
}

RatioEstimate PairedReplicates::ratio(size_t a, size_t b) const {
  std::vector<double> q(s_.at(a).size());
  for (size_t k = 0; k < q.size(); ++k) q[k] = s_[a][k] / s_.at(b)[k];
  RatioEstimate out{reduce(q), false};
  const Estimate den = plan(b);
  // Same rule as compare_plans: with replicates, a denominator interval holding 0; without,
  // only a zero or non-finite denominator.
  out.unstable = s_[b].size() <= 1 ? !(std::isfinite(den.value) && den.value != 0) : !(den.lo > 0 || den.hi < 0);
  return out;
}

std::vector<Estimate> PairedReplicates::ranks(const std::vector<size_t>& items, bool descending) const {
  const size_t m = items.size(), K = s_.empty() ? 0 : s_.front().size();
  std::vector<std::vector<double>> rank(m, std::vector<double>(K));
  std::vector<size_t> order(m);
  for (size_t k = 0; k < K; ++k) {
    std::iota(order.begin(), order.end(), 0);
    auto key = [&](size_t j) { return descending ? -s_.at(items[j])[k] : s_.at(items[j])[k]; };
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return key(x) < key(y); });
    for (size_t i = 0; i < m;) {  // ties [i, j) share the mean of ranks i+1 .. j
      size_t j = i + 1;
      while (j < m && key(order[j]) == key(order[i])) ++j;
      const double mean_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
      for (size_t t = i; t < j; ++t) rank[order[t]][k] = mean_rank;
      i = j;
    }
  }
  std::vector<Estimate> out;
  for (const auto& v : rank) out.push_back(reduce(v));
  return out;
}

Estimate PairedReplicates::synergy(size_t whole, const std::vector<size_t>& parts, size_t base) const {
  std::vector<double> v(s_.at(whole).size());
  for (size_t k = 0; k < v.size(); ++k) {
    double sum = 0;
    for (size_t p : parts) sum += s_.at(p)[k] - s_.at(base)[k];
    v[k] = (s_[whole][k] - s_[base][k]) - sum;
  }
  return reduce(v);
}

}  // namespace lq
