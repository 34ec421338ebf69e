// Job `overlap`: for each k, how many of the k% of weights most important by Fisher (plan
// selector top=k% by=fisher:F:SETS) are also among the k% largest in |w| (top=k%). Both
// selections are exactly what those plan selectors keep (quant/plan_resolve.h), so the numbers
// describe those plans.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "jobs/job_progress.h"

namespace lq::jobs {

struct OverlapSpec {
  std::string model, fisher;
  std::string sets;                    // comma list: languages, group:NAME, max ("" = every language)
  std::string select = "kind=weight";  // plan selectors restricting the tensors ("" = all)
  std::string scope = "tensor";        // tensor or global ranking
  std::vector<double> k = {0.1, 1, 5};  // percentages
};

struct OverlapTensor {
  std::string tensor;
  int64_t numel = 0, selected = 0, also_magnitude = 0;
  double fraction = 0;  // also_magnitude / selected
};

struct OverlapRow {
  double k_percent = 0;
  int64_t selected = 0, also_magnitude = 0;
  double fraction = 0, chance = 0;  // pooled overlap; share of parameters selected
  std::vector<OverlapTensor> tensors;
};

struct OverlapResult {
  static constexpr int kSchemaVersion = 1;
  OverlapSpec spec;
  std::vector<OverlapRow> rows;

  nlohmann::json to_json() const;
  static OverlapResult from_json(const nlohmann::json& j, const std::string& path);
  std::string to_text() const;  // the table `langquant overlap` prints
};

OverlapResult run_overlap(const OverlapSpec& spec, const JobProgress& progress = {});

// "by=fisher:F" or "by=fisher:F:SETS" as the plan parser reads it (FILE must not hold ':'; SETS
// may, as in group:lr).
std::string fisher_selector(const std::string& fisher_file, const std::string& sets);

}  // namespace lq::jobs
