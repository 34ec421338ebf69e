#include "experiments/search_output.h"

#include <cstdio>

#include "core/error.h"
#include "experiments/plan_scoring.h"
#include "model/weight_set.h"
#include "quant/format.h"
#include "quant/plan.h"

namespace lq::experiments {

PlanCheck check_plan(const Model& model, const UnitSet& units, const std::vector<std::string>& languages,
                     const std::string& plan_line, ObjectiveKind kind, const ComparisonOptions& opt,
                     const EngineOptions& eo) {
  const PreparedPlan p = prepare_plan(quant::parse_plan_line(plan_line), "search", model);
  quant::QuantCache cache;
  WeightSet fp(model);
  const WeightSet q = quant::build_weight_set(model, p.resolved, cache);
  const auto scores = language_scores(languages, units, score_sets(model, {&fp, &q}, units, eo, nullptr), 2);
  const Comparison c = compare_plans(scores, {"full-precision", "search"}, opt);
  PlanCheck out;
  out.info = p.info;
  if (kind == ObjectiveKind::MaxDeltaBpbGap) {
    // compare_plans has no maximum over languages with an interval: the point is the largest
    // per-language row delta_bpb minus the reference's, the interval a bootstrap of that maximum
    // over the same units (objective_sample, with the final check's replicates and seed).
    std::vector<LanguageUnits> lu;
    ObjectiveSpec spec;
    spec.kind = kind;
    spec.reference = -1;
    spec.replicates = opt.bootstrap.replicates;
    spec.seed = opt.bootstrap.seed;
    for (const auto& l : scores) {
      if (l.lang == opt.reference) spec.reference = static_cast<int>(lu.size());
      lu.push_back(language_units(l, 1));
    }
    if (spec.reference < 0) fail("search", "the corpus has no reference language '" + opt.reference + "'");
    const ObjectiveSample s = objective_sample(lu, spec);
    out.objective = percentile_interval(s.point, s.reps, opt.bootstrap.confidence);
    out.worst_lang = lu[static_cast<size_t>(worst_language(lu, spec))].lang;
    return out;
  }
  if (kind == ObjectiveKind::MaxKl) {
    double worst = -1;
    for (const auto& row : c.rows)
      if (row.plan == "search" && row.kl.value > worst) worst = row.kl.value, out.objective = row.kl, out.worst_lang = row.lang;
    return out;
  }
  for (const auto& g : c.group_rows)
    if (g.group == "lr") {
      if (kind == ObjectiveKind::LrDisparity) {
        out.objective = g.lr_disparity->e;
        out.unstable = g.lr_disparity->unstable;
      } else {
        out.objective = g.delta_bpb_gap;
      }
      return out;
    }
  fail("search", "the corpus has no language of group 'lr'");
}

std::string path_text(const SearchResult& r, const std::vector<std::string>& group_names) {
  std::string s;
  char b[256];
  for (size_t i = 0; i < r.path.size(); ++i) {
    const SearchStep& st = r.path[i];
    const std::string what = st.added < 0 ? "(base plan)" : "+ " + group_names[static_cast<size_t>(st.added)];
    std::snprintf(b, sizeof b, "  step %zu: %-28s cost %.4f  objective %.4f [%.4f, %.4f]%s\n", i, what.c_str(), st.cost,
                  st.objective.value, st.objective.lo, st.objective.hi, st.unstable ? " (unstable)" : "");
    s += b;
  }
  return s;
}

std::string plan_toml(const std::string& name, const std::string& plan_line, const std::vector<std::string>& comment) {
  const quant::Plan p = quant::parse_plan_line(plan_line);
  std::string s;
  for (const auto& c : comment) s += "# " + c + "\n";
  s += "name = \"" + name + "\"\n";
  // A llama.cpp mixture base (base=Q4_0) stays a mixture: its default format alone is another plan.
  s += "base = \"" + (p.mixture.empty() ? quant::canonical_name(p.base) : p.mixture) + "\"\n";
  s += "rules = [\n";
  for (const auto& r : p.rules) s += "  \"" + r.text + "\",\n";
  s += "]\n";
  return s;
}

LanguageUnits language_units(const LanguageScores& l, size_t set) {
  LanguageUnits u;
  u.lang = l.lang;
  for (size_t i = 0; i < l.tokens.size(); ++i) {
    u.tokens.push_back(static_cast<double>(l.tokens[i]));
    u.bytes.push_back(static_cast<double>(l.bytes[i]));
    u.nll_fp.push_back(l.nll[0][i]);
    u.nll_q.push_back(l.nll[set][i]);
    u.kl.push_back(l.kl[set][i]);
  }
  return u;
}

}  // namespace lq::experiments
