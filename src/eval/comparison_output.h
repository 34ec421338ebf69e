// A plan comparison as JSON, CSV (one row per plan x language, `_lo`/`_hi` interval columns)
// and Markdown (per-plan summary in the seeds' "Pareto Optimal Strategies" form, then
// per-language degradation).
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "eval/comparison.h"

namespace lq {

// Version 2 added "bootstrap" (replicates, seed) and, per group row, "replicates": the group's
// value in every bootstrap replicate, for paired intervals between plans.
inline constexpr int kComparisonSchemaVersion = 2;

struct PlanInfo {
  std::string name, description;  // description: the plan in one-line form
  double overhead = 0;            // share of parameters kept above base
  uint64_t size_bytes = 0;
  double bits_per_weight = 0;
};

struct ComparisonReport {
  std::string model, corpus, mode, reference, primary_group;
  int64_t n_ctx = 0;
  bool bos = false;
  int replicates = 0;
  uint64_t seed = 0;  // the bootstrap's seed: replicates of files with equal seeds and units pair
  // Sentences cut to the context (only their first n_ctx tokens were scored). Written only
  // when not 0, as "truncated_units" and a Markdown line, so that outputs without any cut keep
  // their bytes.
  int64_t truncated = 0;
  std::vector<PlanInfo> plans;  // same order as the comparison's sets (FP first)
  Comparison comparison;
};

nlohmann::json comparison_json(const ComparisonReport& r);
std::string comparison_csv(const ComparisonReport& r);
std::string comparison_markdown(const ComparisonReport& r);

}  // namespace lq
