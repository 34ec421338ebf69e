// Job `correlate`: Pearson and Spearman correlation of two keyed series (analysis/series.h),
// with bootstrap intervals and permutation p-values (analysis/correlation.h). Several x/y pairs
// (one per model, say) are also pooled into one within-group correlation
// (analysis/pooled_correlation.h), so 21 languages x N models can be tested together without
// differences between models passing for a relation.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/correlation.h"
#include "analysis/series.h"

namespace lq::jobs {

struct CorrelateSpec {
  std::vector<std::string> x, y;  // series specs, paired by position: x[i] against y[i]
  std::string key;                // record field keying both series ("" = auto)
  std::string method = "both";    // pearson, spearman or both
  std::string languages;          // TSV over the built-in language table ("" = built-in only)
  analysis::CorrelationOptions options;
  std::string out;                // JSON file ("" = not written)
};

struct CorrelateGroup {
  analysis::Series x, y;
  analysis::Paired pairs;
  std::vector<analysis::Correlation> correlations;
};

struct CorrelateResult {
  CorrelateSpec spec;
  std::vector<CorrelateGroup> groups;             // one per x/y pair
  std::vector<analysis::Correlation> pooled;      // empty with a single pair

  // One pair: {"x", "y", "interval", "p_value", "seed", "correlations", "pairs"}. Several:
  // "groups" (each as the single-pair object's x, y, correlations and pairs), "pooled"
  // correlations and a "pooling" sentence.
  nlohmann::json to_json() const;
  std::string to_text() const;
};

CorrelateResult run_correlate(const CorrelateSpec& spec);

}  // namespace lq::jobs
