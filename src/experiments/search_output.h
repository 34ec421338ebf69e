// What `search` and `recommend` report: the chosen plan scored exactly as `eval --plan` scores
// it (all units, compare_plans' bootstrap), the path as text, and the plan as a TOML file
// `eval --plan` reads.
#pragma once
#include <string>
#include <vector>

#include "eval/comparison.h"
#include "eval/comparison_output.h"
#include "eval/engine.h"
#include "experiments/search.h"
#include "model/model.h"

namespace lq::experiments {

struct PlanCheck {
  PlanInfo info;
  Estimate objective;     // as eval --plan reports it (max_kl: the worst language's KL row;
                          // max_delta_bpb_gap: see check_plan)
  std::string worst_lang; // max_kl and max_delta_bpb_gap
  bool unstable = false;  // lr_disparity whose reference degradation interval contains 0
};

// Scores full precision and the plan on every unit and reads the target's objective from
// compare_plans (group "lr" of opt.groups for lr_disparity and delta_bpb_gap); max_delta_bpb_gap's
// point is the largest row delta_bpb minus the reference's, its interval a bootstrap of that
// maximum with opt.bootstrap's replicates and seed.
PlanCheck check_plan(const Model& model, const UnitSet& units, const std::vector<std::string>& languages,
                     const std::string& plan_line, ObjectiveKind kind, const ComparisonOptions& opt,
                     const EngineOptions& eo);

// One language's units under weight set `set` (0 = FP) in the form the search objectives read.
LanguageUnits language_units(const LanguageScores& l, size_t set);

// One line per step: group added, cost, objective with interval.
std::string path_text(const SearchResult& r, const std::vector<std::string>& group_names);

// The plan as TOML (name, base, rules as one-line rule strings), with `comment` lines on top.
std::string plan_toml(const std::string& name, const std::string& plan_line, const std::vector<std::string>& comment);

}  // namespace lq::experiments
