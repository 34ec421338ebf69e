#include "report/tables.h"

#include "report/text_format.h"

namespace lq::report {
namespace {

Table strategies(const Section& s) {
  const Dataset& d = s.data;
  const std::string g = s.group.empty() ? "(none)" : s.group;
  Table t{"Strategies (group " + g + ")",
          {"strategy", "overhead", "size", "bits/weight", "LR disparity", "LR delta_bpb gap", "LR KL"},
          {false, true, true, true, true, true, true},
          {}};
  for (const auto& name : s.plans) {
    const PlanEntry& p = *d.plan(name);
    const GroupRow* r = d.group_row(name, s.group);
    t.rows.push_back({name, fmt(100 * p.overhead, "%.2f") + "%", fmt(p.size_bytes / 1e6, "%.1f") + " MB",
                      fmt(p.bits_per_weight, "%.2f"),
                      r && r->lr_disparity ? with_ci(*r->lr_disparity, 1, "%.3g", "x") : "n/a",
                      r ? with_ci(r->delta_bpb_gap) : "n/a", r ? with_ci(r->kl) : "n/a"});
  }
  return t;
}

Table per_language(const Section& s) {
  const Dataset& d = s.data;
  Table t{"Per language",
          {"plan", "lang", "ppl", "degradation", "disparity", "delta_bpb", "KL", "top-1"},
          {false, false, true, true, true, true, true, true},
          {}};
  for (const auto& r : d.rows) {
    const bool fp = d.is_fp(r.plan);
    t.rows.push_back({r.plan, r.lang, with_ci(r.ppl, 1, "%.4g"), fp ? "" : with_ci(r.degradation, 100, "%.3g", "%"),
                      fp ? "" : with_ci(r.disparity, 1, "%.3g", "x"), fp ? "" : with_ci(r.delta_bpb),
                      fp ? "" : with_ci(r.kl), fp ? "" : with_ci(r.top1)});
  }
  return t;
}

Table criticality_table(const Section& s) {
  Table t{"Per-layer criticality",
          {"component", "layer", "plan", "objective", "value", "base value", "criticality [95% CI]",
           "rank [95% CI]", "effect"},
          {false, true, false, false, true, true, true, true, false},
          {}};
  // Intervals are paired bootstrap intervals (chart_data.h); a cell without one shows the point.
  for (const auto& ser : s.criticality.series)
    for (const auto& p : ser.points)
      t.rows.push_back({ser.component, std::to_string(p.layer), p.plan, objective_label(ser.objective),
                        fmt(p.objective, "%.4g"), fmt(ser.base_objective, "%.4g"),
                        with_ci(Value{p.criticality, p.criticality_lo, p.criticality_hi, false}, 1, "%.4g"),
                        with_ci(p.rank),
                        p.anti_critical() ? "anti-critical" : "critical"});
  return t;
}

Table contrast_table(const Section& s) {
  const PlanContrasts& c = s.contrasts;
  const char* unit = c.objective == Objective::lr_disparity ? "x" : "";
  Table t{"Each plan against \"" + c.base_plan + "\" (paired, " + objective_label(c.objective) + ")",
          {"plan", objective_label(c.objective), "improvement over " + c.base_plan + " [95% CI]", "verdict"},
          {false, true, true, false},
          {}};
  for (const auto& x : c.contrasts)
    t.rows.push_back({x.plan, with_ci(x.objective, 1, "%.4g", unit), with_ci(x.improvement, 1, "%.4g"), x.verdict()});
  return t;
}

Table pair_table(const Section& s) {
  Table t{"Chosen contrasts (paired): objective of B minus objective of A, positive when A is fairer",
          {"A", "B", "objective", "A value", "B value", "advantage of A [95% CI]", "B / A [95% CI]", "verdict"},
          {false, false, false, true, true, true, true, false},
          {}};
  for (const auto& c : s.contrasts.pairs)
    t.rows.push_back({c.a, c.b, objective_label(c.objective), with_ci(c.a_value, 1, "%.4g"), with_ci(c.b_value, 1, "%.4g"),
                      with_ci(c.advantage, 1, "%.4g"), with_ci(c.ratio, 1, "%.4g", "x"), c.verdict()});
  return t;
}

Table synergy_table(const Section& s) {
  Table t{"Synergy of protected parts (criticality of the whole minus the sum of its parts', paired)",
          {"whole", "parts", "synergy [95% CI]"},
          {false, false, true},
          {}};
  for (const auto& x : s.contrasts.synergies) {
    std::string parts;
    for (const auto& p : x.parts) parts += (parts.empty() ? "" : " + ") + p;
    t.rows.push_back({x.whole, parts, with_ci(x.synergy, 1, "%.4g")});
  }
  return t;
}

Table pareto_table(const Section& s) {
  Table t{"Pareto frontier: overhead vs " + objective_label(s.pareto.objective),
          {"plan", "overhead", objective_label(s.pareto.objective), "on frontier"},
          {false, true, true, false},
          {}};
  for (const auto& p : s.pareto.points)
    t.rows.push_back({p.plan, fmt(100 * p.overhead, "%.2f") + "%",
                      with_ci(p.objective, 1, "%.3g", s.pareto.objective == Objective::lr_disparity ? "x" : ""),
                      p.on_front ? "yes" : ""});
  for (const auto& n : s.pareto.skipped) t.rows.push_back({n, fmt(100 * s.data.plan(n)->overhead, "%.2f") + "%", "unstable / n/a", ""});
  return t;
}

Table correlation_table(const Section& s) {
  Table t{"Weight statistics vs criticality",
          {"statistic", "criticality of", "n", "Pearson r [95% CI]", "p", "Spearman rho [95% CI]", "p"},
          {false, false, true, true, true, true, true},
          {}};
  auto ci = [](const analysis::Correlation& c) {
    return fmt(c.r, "%.3f") + " [" + fmt(c.lo, "%.3f") + ", " + fmt(c.hi, "%.3f") + "]";
  };
  for (const auto& k : s.correlations)
    t.rows.push_back({k.statistic, k.component, std::to_string(k.pearson.n), ci(k.pearson), fmt(k.pearson.p_value, "%.3g"),
                      ci(k.spearman), fmt(k.spearman.p_value, "%.3g")});
  return t;
}

}  // namespace

std::vector<Table> section_tables(const Section& s) {
  std::vector<Table> out = {strategies(s), per_language(s)};
  if (!s.criticality.series.empty()) out.push_back(criticality_table(s));
  if (!s.contrasts.contrasts.empty()) out.push_back(contrast_table(s));
  if (!s.contrasts.synergies.empty()) out.push_back(synergy_table(s));
  if (!s.contrasts.pairs.empty()) out.push_back(pair_table(s));
  if (!s.pareto.points.empty()) out.push_back(pareto_table(s));
  if (!s.correlations.empty()) out.push_back(correlation_table(s));
  return out;
}

std::vector<Table> patch_tables(const PatchSection& p) {
  const PatchMatrix& m = p.data;
  std::vector<Table> out;
  Table loss{"The plan's loss per language (NLL(plan) - NLL(FP), nats per token)", {"language", "loss [95% CI]"},
             {false, true}, {}};
  for (const auto& l : m.langs) loss.rows.push_back({l, with_ci(m.delta_nll.at(l), 1, "%.4f")});
  out.push_back(std::move(loss));
  for (const char* dir : {"restore", "inject"}) {
    if (!m.has(dir)) continue;
    Table t{std::string(dir) == "restore" ? "Recovered share (restore), % [95% CI]" : "Carried share (inject), % [95% CI]",
            {"patch"}, {false}, {}};
    for (const auto& l : m.langs) {
      t.header.push_back(l);
      t.numeric.push_back(true);
    }
    for (const auto& patch : m.patches) {
      std::vector<std::string> row = {patch};
      bool any = false;
      for (const auto& l : m.langs) {
        const Value* v = m.at(dir, patch, l);
        any = any || v;
        row.push_back(v ? with_ci(*v, 100, "%.0f") : "");
      }
      if (any) t.rows.push_back(std::move(row));
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace lq::report
