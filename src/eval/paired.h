// Paired comparisons between plans measured on the same units: difference, ratio, rank and
// synergy, each with a percentile interval. Replicate r of every plan uses the same draw,
// resample_counts(seed, r, n) (eval/bootstrap.h), the draw compare_plans uses, so these
// intervals are consistent with the per-plan intervals of an eval with the same seed.
//
// Why paired: two plans scored on the same sentences share the sentences' difficulty. The
// difference of their marginal intervals ignores that covariance and is far too wide (or, for
// a ranking, meaningless); the interval of the per-replicate difference keeps it.
#pragma once
#include <cstddef>
#include <vector>

#include "eval/bootstrap.h"
#include "eval/comparison.h"

namespace lq {

// An objective's value per plan, index 0 the point (all units once) and index r + 1 replicate r.
// Objectives over several languages are built by combining per-language samples replicate by
// replicate (replicate r is the same draw for every language of equal size).
using PlanSamples = std::vector<std::vector<double>>;  // [plan][1 + replicate]

// Per unit: num[plan][unit] summed over the resample, divided by den[unit] summed the same way
// (NLL / tokens, NLL / (bytes ln 2), KL / tokens: every per-language metric of an eval).
struct RatioOfSums {
  std::vector<std::vector<double>> num;  // [plan][unit]
  std::vector<double> den;               // [unit]
};

PlanSamples ratio_of_sums_samples(const RatioOfSums& units, const BootstrapOptions& opt);

class PairedReplicates {
 public:
  PairedReplicates(PlanSamples samples, double confidence);

  size_t plans() const { return s_.size(); }
  Estimate plan(size_t a) const;                // the plan's own (marginal) interval
  Estimate difference(size_t a, size_t b) const;  // a - b
  RatioEstimate ratio(size_t a, size_t b) const;  // a / b; unstable when b's interval holds 0
  // Rank of each of `items` among `items` (1 = largest value when descending; ties share the
  // mean rank). The interval is that of the rank over replicates.
  std::vector<Estimate> ranks(const std::vector<size_t>& items, bool descending) const;
  // (whole - base) - sum over parts of (part - base): how much more (or less) the combined plan
  // changes the objective than its single parts added up. 0 when effects are additive.
  Estimate synergy(size_t whole, const std::vector<size_t>& parts, size_t base) const;

 private:
  Estimate reduce(const std::vector<double>& values) const;  // values[0] = point
  PlanSamples s_;
  double confidence_;
};

}  // namespace lq
