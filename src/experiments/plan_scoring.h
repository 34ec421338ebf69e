// Scoring full precision and quantization plans on the same units: the pipeline `eval --plan`
// and the sweep runner share. A plan spec becomes a PreparedPlan (parsed, resolved against the
// model, costed); its weight set is built through a QuantCache so plans that treat a tensor the
// same way share one buffer; score_sets runs every set over the units in one pass (set 0 = FP,
// which KL and top-1 need) and sums each unit's tokens per set; language_scores regroups those
// unit sums by language in the form compare_plans reads.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "eval/comparison.h"
#include "eval/comparison_output.h"
#include "eval/engine.h"
#include "model/model.h"
#include "quant/plan_apply.h"

namespace lq {

class Progress;

struct PreparedPlan {
  quant::Plan plan;
  quant::ResolvedPlan resolved;
  PlanInfo info;  // name, one-line form, overhead, size, bits per weight
};

// The "full-precision" row: the checkpoint as stored.
PlanInfo full_precision_info(const Model& model);

// Loads a plan (preset, file or one-line form, see quant::load_plan) and costs it. The name is
// the plan's own name when it has one, else the spec.
PreparedPlan prepare_plan(const std::string& spec, const quant::Format& base, const quant::Format& keep,
                          const Model& model);
// The same for an already parsed plan, named `name`.
PreparedPlan prepare_plan(const quant::Plan& plan, const std::string& name, const Model& model);

// Per unit: scored tokens and, per set, summed NLL (nats), summed KL(set0 || set) and top-1
// agreements with set 0.
struct UnitSetScores {
  int64_t tokens = 0;
  std::vector<double> nll, kl;
  std::vector<int64_t> top1;
};

// Runs every set over `units` (one engine pass) and returns one entry per unit.
std::vector<UnitSetScores> score_sets(const Model& model, const std::vector<const WeightSet*>& sets,
                                      const UnitSet& units, const EngineOptions& eo, Progress* progress);

// Regroups unit scores by language (languages[i] names Unit::lang == i), in unit order.
std::vector<LanguageScores> language_scores(const std::vector<std::string>& languages, const UnitSet& units,
                                            const std::vector<UnitSetScores>& scores, size_t n_sets);

}  // namespace lq
