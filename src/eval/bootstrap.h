// Percentile bootstrap over units (sentences, or windows in stream mode). Replicate r draws
// the same resample for every statistic and every plan given the same seed and unit count,
// which is what makes intervals of FP-vs-plan differences paired.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

namespace lq {

struct Estimate {
  double value = 0, lo = 0, hi = 0;
};

struct BootstrapOptions {
  int replicates = 1000;
  uint64_t seed = 20260105;
  double confidence = 0.95;
};

// counts[i] = how many times unit i is drawn in one replicate.
using ResampleCounts = std::vector<uint32_t>;

// Counts of replicate `replicate` over n units (replicate -1: every unit once). Deterministic
// in (seed, replicate, n) alone, so every plan, and every language of the same size, measured
// in replicate r sees the same draw: what compare_plans and eval/paired.h pair on.
ResampleCounts resample_counts(uint64_t seed, int replicate, size_t n);

// The percentile interval of bootstrap replicates around `point` (non-finite replicates are
// dropped; linear interpolation between order statistics).
Estimate percentile_interval(double point, std::vector<double> replicates, double confidence);

// Calls stat(counts) for each replicate and returns point (stat over all-ones counts) with the
// percentile interval. Deterministic for fixed options and n_units.
Estimate bootstrap(size_t n_units, const BootstrapOptions& opt,
                   const std::function<double(const ResampleCounts&)>& stat);

}  // namespace lq
