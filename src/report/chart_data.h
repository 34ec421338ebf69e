// The numbers the report's charts draw, derived from a Dataset without any drawing: the
// fairness objective, per-layer criticality, the Pareto frontier and statistic-vs-criticality
// correlations. Kept apart from the Vega specs so that tests can check them against an
// independent computation.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/correlation.h"
#include "report/report_data.h"

namespace lq::report {

// The fairness objective (minimised) on which plans are compared: the group's LR disparity when
// every plan compared has a stable one, otherwise the group's delta_bpb gap (mean delta_bpb of
// the group minus the reference's), which stays defined when the reference barely degrades.
enum class Objective { lr_disparity, delta_bpb_gap };
std::string objective_label(Objective o);  // "LR disparity" / "LR delta_bpb gap"
std::string objective_unit(Objective o);   // "x (ratio)" / "bits per byte"
Value objective_value(const GroupRow& g, Objective o);

struct ObjectiveChoice {
  Objective objective = Objective::lr_disparity;
  std::string why;  // one sentence for the caption
};
ObjectiveChoice choose_objective(const Dataset& d, const std::string& group, const std::vector<std::string>& plans);

// The group the report treats as "low-resource": `wanted` if given (must exist), else "lr" if
// present, else the first group in the file. Empty when the dataset has no groups.
std::string primary_group(const Dataset& d, const std::string& wanted);

// Per-layer criticality (research brief §3, Exp-017/020): for the plans a sweep tagged
// {"axis":"layer","layer":N[,"component":C]} (or "axis":"layers" with "layers":[N], as
// `langquant sweep` does), criticality(N) = objective(base-only plan) -
// objective(plan protecting N). Positive: protecting layer N helps; negative: anti-critical.
// Intervals are paired (eval/paired.h): replicate r of the base and of a layer plan are the same
// resample, so criticality's interval is that of the per-replicate difference, and a layer's
// rank (1 = most critical) is ranked replicate by replicate among the series' layer plans.
struct LayerPoint {
  int layer = 0;
  std::string plan;
  double objective = 0, criticality = 0;
  double criticality_lo = kNaN, criticality_hi = kNaN;  // NaN: no paired replicates with the base
  Value rank;                                           // NaN: no paired replicates among layer plans
  bool anti_critical() const { return criticality < 0; }
};
struct CriticalitySeries {
  std::string component;  // the tag's "component", or "layer" when the sweep protects whole layers
  std::string base_plan;
  double base_objective = 0;
  Objective objective = Objective::lr_disparity;
  std::string why;
  std::vector<LayerPoint> points;  // sorted by layer
  // Why criticality (or rank) has no interval, for the caption; empty when both have one.
  std::string interval_note;
};

// The replicates of `o` in a group row, or nullptr when the file kept none.
const std::vector<double>* objective_replicates(const GroupRow& g, Objective o);
// The objective as eval/paired.h takes it: `point`, then every replicate. Empty when the row is
// missing, kept no replicates, or one is not finite (percentiles and ranks need numbers).
std::vector<double> objective_samples(const GroupRow* g, Objective o, double point);

// A string tag of a plan ("" when absent or not a string).
std::string plan_tag(const PlanEntry& p, const char* key);
struct CriticalityResult {
  std::vector<CriticalitySeries> series;
  std::vector<std::string> notes;  // why a chart could not be drawn
};

// The layer a one-layer sweep plan protects, -1 for other plans. Accepts the tags
// {"axis":"layer","layer":N} and the sweep runner's {"axis":"layers","layers":[N],...}.
int tagged_layer(const PlanEntry& p);

// The base-only plan the layer plans are measured against: the one tagged {"axis":"base"};
// else a plan whose line is exactly "base=<F>" with F the layer plans' common base format (the
// preset "none" of a baseline sweep); else the only non-FP, non-layer plan with overhead 0.
// Empty when none fits or the choice is ambiguous.
std::string find_base_plan(const Dataset& d, const std::vector<const PlanEntry*>& layer_plans);
CriticalityResult criticality(const Dataset& d, const std::string& group);

// Plans against their overhead, and which of them form the Pareto frontier.
struct ParetoData {
  Objective objective = Objective::lr_disparity;
  std::string why;
  struct Point {
    std::string plan;
    double overhead = 0;  // share of parameters, 0..1
    Value objective;
    bool on_front = false;
  };
  std::vector<Point> points;  // every non-FP plan with a finite overhead and objective
  std::vector<std::string> skipped;  // plans without a finite objective
};
ParetoData pareto(const Dataset& d, const std::string& group);

// One weight statistic (a numeric key of `langquant stats --out`'s "layers" entries) against a
// criticality series, over the layers present in both.
struct StatCorrelation {
  std::string statistic, component;
  std::vector<int> layers;
  std::vector<double> x, y;
  analysis::Correlation pearson, spearman;
};
// Statistics with fewer than 3 finite pairs, or constant over the layers, are listed in `notes`.
std::vector<StatCorrelation> stat_correlations(const nlohmann::json& stats, const std::string& stats_source,
                                               const CriticalityResult& crit, std::vector<std::string>& notes,
                                               const analysis::CorrelationOptions& opt = {});

}  // namespace lq::report
