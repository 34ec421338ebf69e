// Jobs `search` and `recommend`: the cheapest protection (tensor groups kept at --keep over
// --base) whose fairness objective meets a target. recommend first ranks layers by measured
// criticality (a per-layer sweep, each layer kept alone) and searches the groups in that order.
// Both rescore the chosen plan on every sentence as `eval --plan` would (check_plan).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "experiments/search_job.h"
#include "jobs/job_progress.h"

namespace lq::jobs {

// The options of experiments::SearchArgs (model, corpus, target, budget, groups, racing, the
// scoring options langs/group/ref/bootstrap/seed).
using PlanSearchSpec = experiments::SearchArgs;

struct LayerCriticality {
  std::string layer;                          // group name ("L3")
  double overhead = 0;                        // share of parameters the layer keeps
  experiments::Interval objective, criticality;  // with the layer kept; base objective minus that
};

struct PlanSearchResult {
  static constexpr int kSchemaVersion = 1;
  std::string command;                 // "search" or "recommend"
  PlanSearchSpec spec;
  experiments::Target target;
  std::vector<std::string> group_names;  // in search order
  size_t units_per_language = 0;
  int64_t engine_passes = 0;
  experiments::SearchResult search;
  std::string plan_line;
  experiments::PlanCheck check;
  bool meets = false;                  // the check's objective is stable and within the bound
  // recommend only: the per-layer sweep, ranked by criticality, and the base plan's objective.
  std::vector<LayerCriticality> layers;
  double base_objective = 0;

  std::string verdict() const;         // "objective max_kl = ...; target ... met; overhead ..."
  std::string plan_toml() const;       // the plan file (plan name = command)
  std::string search_text() const;     // what `search` prints
  std::string recommend_markdown() const;  // what `recommend` prints
  nlohmann::json to_json() const;      // for programs; schema_version 1
};

// Both write the plan file to `plan_out` ("" = none; opened before the work, so an unwritable
// path fails first). The scoring passes are kept beside it while the run lasts (issue 13's
// --resume: spec.resume continues a stopped run) and removed once the plan file is written.
PlanSearchResult run_search(PlanSearchSpec spec, const std::string& plan_out, const JobProgress& progress = {});
PlanSearchResult run_recommend(PlanSearchSpec spec, const std::string& plan_out, const JobProgress& progress = {});

}  // namespace lq::jobs
