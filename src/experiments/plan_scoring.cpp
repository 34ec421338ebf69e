#include "experiments/plan_scoring.h"

#include "quant/plan_cost.h"
#include "quant/presets.h"

namespace lq {

PlanInfo full_precision_info(const Model& model) {
  PlanInfo info;
  info.name = "full-precision";
  info.description = "checkpoint as stored";
  uint64_t fp_bytes = 0;
  for (const auto& t : model.tensors()) fp_bytes += t.view->nbytes;
  info.size_bytes = fp_bytes;
  info.bits_per_weight = 8.0 * static_cast<double>(fp_bytes) / static_cast<double>(model.parameter_count());
  return info;
}

PreparedPlan prepare_plan(const quant::Plan& plan, const std::string& name, const Model& model) {
  PreparedPlan p;
  p.plan = plan;
  p.resolved = quant::resolve_plan(plan, model);
  const quant::PlanCost cost = quant::plan_cost(p.resolved, model);
  p.info.name = name;
  p.info.description = quant::plan_to_line(plan);
  p.info.overhead = cost.overhead();
  p.info.size_bytes = cost.bytes;
  p.info.bits_per_weight = cost.bits_per_weight();
  return p;
}

PreparedPlan prepare_plan(const std::string& spec, const quant::Format& base, const quant::Format& keep,
                          const Model& model) {
  const quant::Plan plan = quant::load_plan(spec, base, keep);
  return prepare_plan(plan, plan.name.empty() ? spec : plan.name, model);
}

std::vector<UnitSetScores> score_sets(const Model& model, const std::vector<const WeightSet*>& sets,
                                      const UnitSet& units, const EngineOptions& eo, Progress* progress) {
  const size_t S = sets.size();
  std::vector<UnitSetScores> out(units.units.size());
  for (auto& u : out) {
    u.nll.assign(S, 0);
    u.kl.assign(S, 0);
    u.top1.assign(S, 0);
  }
  // Sums accumulate in the order the engine reports tokens, which is fixed by the batching,
  // so equal inputs give equal bits.
  score_units(model, sets, units, eo, [&](const TokenResult& t) {
    UnitSetScores& u = out[static_cast<size_t>(t.unit)];
    if (t.set == 0) u.tokens += 1;
    u.nll[t.set] -= t.logprob;
    u.kl[t.set] += t.kl;
    u.top1[t.set] += t.top1_agrees ? 1 : 0;
  }, progress);
  return out;
}

std::vector<LanguageScores> language_scores(const std::vector<std::string>& languages, const UnitSet& units,
                                            const std::vector<UnitSetScores>& scores, size_t n_sets) {
  std::vector<LanguageScores> out(languages.size());
  for (size_t l = 0; l < out.size(); ++l) {
    out[l].lang = languages[l];
    out[l].nll.assign(n_sets, {});
    out[l].kl.assign(n_sets, {});
    out[l].top1.assign(n_sets, {});
  }
  for (size_t i = 0; i < units.units.size(); ++i) {
    const Unit& u = units.units[i];
    LanguageScores& ls = out[static_cast<size_t>(u.lang)];
    ls.tokens.push_back(scores[i].tokens);
    ls.bytes.push_back(u.bytes);
    ls.chars.push_back(u.chars);
    for (size_t s = 0; s < n_sets; ++s) {
      ls.nll[s].push_back(scores[i].nll[s]);
      ls.kl[s].push_back(scores[i].kl[s]);
      ls.top1[s].push_back(scores[i].top1[s]);
    }
  }
  return out;
}

}  // namespace lq
