#include "eval/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace lq {

Estimate percentile_interval(double point, std::vector<double> replicates, double confidence) {
  Estimate e{point, NAN, NAN};
  std::vector<double> v;
  for (double x : replicates)
    if (std::isfinite(x)) v.push_back(x);
  if (v.empty()) return e;
  std::sort(v.begin(), v.end());
  auto quantile = [&](double q) {
    const double pos = q * static_cast<double>(v.size() - 1);
    const size_t i = static_cast<size_t>(pos);
    const double frac = pos - static_cast<double>(i);
    return i + 1 < v.size() ? v[i] * (1 - frac) + v[i + 1] * frac : v[i];
  };
  const double alpha = (1.0 - confidence) / 2.0;
  e.lo = quantile(alpha);
  e.hi = quantile(1.0 - alpha);
  return e;
}

ResampleCounts resample_counts(uint64_t seed, int replicate, size_t n) {
  ResampleCounts c(n, replicate < 0 ? 1u : 0u);
  if (replicate < 0 || n == 0) return c;
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(replicate),
                    static_cast<uint32_t>(n)};
  std::mt19937_64 rng(seq);
  std::uniform_int_distribution<size_t> pick(0, n - 1);
  for (size_t i = 0; i < n; ++i) ++c[pick(rng)];
  return c;
}

Estimate bootstrap(size_t n_units, const BootstrapOptions& opt,
                   const std::function<double(const ResampleCounts&)>& stat) {
  Estimate e;
  ResampleCounts counts(n_units, 1);
  e.value = stat(counts);
  if (n_units == 0 || opt.replicates <= 0) {
    e.lo = e.hi = e.value;
    return e;
  }
  std::mt19937_64 rng(opt.seed ^ (0x9e3779b97f4a7c15ull * (n_units + 1)));
  std::uniform_int_distribution<size_t> pick(0, n_units - 1);
  std::vector<double> reps;
  reps.reserve(static_cast<size_t>(opt.replicates));
  for (int r = 0; r < opt.replicates; ++r) {
    std::fill(counts.begin(), counts.end(), 0u);
    for (size_t i = 0; i < n_units; ++i) ++counts[pick(rng)];
    reps.push_back(stat(counts));
  }
  e = percentile_interval(e.value, std::move(reps), opt.confidence);
  return e;
}

}  // namespace lq
