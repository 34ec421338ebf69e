// Correlation between two paired series (per layer, per language, ...) with an uncertainty
// that suits the small samples the experiments produce (12 layers, 14 languages): a
// percentile bootstrap interval over pairs and a two-sided permutation p-value. No normal or
// t approximation is assumed anywhere.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lq::analysis {

struct CorrelationOptions {
  int bootstrap = 2000;       // resamples of the pairs for the 95% interval (0: no interval)
  int permutations = 10000;   // shuffles of y for the p-value (0: no p-value)
  uint64_t seed = 1;          // the same seed gives the same interval and p-value
};

// method: "pearson" or "spearman"; n: pairs used; r: the coefficient of the data;
// [lo, hi]: 2.5th and 97.5th percentiles (numpy's linear interpolation) of r over bootstrap
// resamples of the pairs (resamples in which x or y is constant have no r and are skipped;
// NaN when fewer than half of them have one); p_value: (count + 1) / (permutations + 1) where
// count is the number of shuffles of y whose |r| reaches the observed |r| (relative
// tolerance 1e-12, so that a shuffle equal to the data counts despite rounding).
// When x or y is constant, r, lo, hi and p_value are NaN (the correlation is undefined).
struct Correlation {
  std::string method;
  int n = 0;
  double r = 0, lo = 0, hi = 0, p_value = 1;
};

// Both throw lq::Error when the series differ in length, have fewer than 3 pairs or hold a
// non-finite value.
Correlation pearson(const std::vector<double>& x, const std::vector<double>& y,
                    const CorrelationOptions& o = {});
// Pearson's r of the ranks; tied values share the mean of their ranks (as scipy.stats.rankdata
// with method="average" and scipy.stats.spearmanr).
Correlation spearman(const std::vector<double>& x, const std::vector<double>& y,
                     const CorrelationOptions& o = {});

// Below this many pairs a correlation cannot support a conclusion at the 5% level: the smallest
// two-sided permutation p of Spearman's rho over n pairs is 2/n! (only the observed order and its
// reverse reach |rho| = 1), 0.083 at n = 4 (Pearson's: 1/n!, 0.042, only when one order of all
// n! stands out); and bootstrap resamples of so few pairs are often constant or perfectly
// ordered, so intervals span most of [-1, 1].
inline constexpr int kMinConclusivePairs = 5;
// "" for n >= kMinConclusivePairs, else one sentence saying why n pairs decide nothing.
std::string too_few_pairs(int n);

// 1-based ranks, ties averaged.
std::vector<double> average_ranks(const std::vector<double>& v);
// Pearson's r of two equally long series without any resampling; NaN if either is constant.
double pearson_r(const std::vector<double>& x, const std::vector<double>& y);
// The q-quantile of sorted values with numpy.percentile's linear interpolation.
double percentile_sorted(const std::vector<double>& sorted, double q);

}  // namespace lq::analysis
