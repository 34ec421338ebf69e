#include "eval/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace lq {

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
    const double v = stat(counts);
    if (std::isfinite(v)) reps.push_back(v);
  }
  if (reps.empty()) {
    e.lo = e.hi = NAN;
    return e;
  }
  std::sort(reps.begin(), reps.end());
  const double alpha = (1.0 - opt.confidence) / 2.0;
  auto quantile = [&](double q) {  // linear interpolation between order statistics
    const double pos = q * static_cast<double>(reps.size() - 1);
    const size_t i = static_cast<size_t>(pos);
    const double frac = pos - static_cast<double>(i);
    return i + 1 < reps.size() ? reps[i] * (1 - frac) + reps[i + 1] * frac : reps[i];
  };
  e.lo = quantile(alpha);
  e.hi = quantile(1.0 - alpha);
  return e;
}

}  // namespace lq
