// One correlation over several groups of pairs, e.g. per-language fertility against disparity
// measured on several models: 21 languages x 4 models say more than 21 x 1, but pooling the
// raw pairs would let differences between models (one degrades everything more) pass for a
// relation between the series. So each group is centred on its own means (Spearman: ranked
// within the group, then centred), and r is Pearson's r of the pooled within-group deviations:
// the "within" correlation of a repeated-measures design (Bland & Altman 1995). The bootstrap
// resamples pairs within each group, the permutation test shuffles y within each group, so
// neither ever mixes groups. With one group this is exactly pearson()/spearman()'s r.
#pragma once
#include <vector>

#include "analysis/correlation.h"

namespace lq::analysis {

// group[i]: the group of pair i (any ints). Every group needs at least 2 pairs, and all of
// them together at least 3; throws lq::Error otherwise, or on a non-finite value. method:
// "pearson" or "spearman". r, lo, hi and p_value are NaN when x or y is constant within every
// group (nothing varies to correlate).
Correlation pooled_correlation(const std::string& method, const std::vector<double>& x, const std::vector<double>& y,
                               const std::vector<int>& group, const CorrelationOptions& o = {});

}  // namespace lq::analysis
