#include "report/report_builder.h"

#include <algorithm>

#include "report/patch_chart.h"

namespace lq::report {
namespace {

bool is_layer_plan(const PlanEntry& p) { return tagged_layer(p) >= 0; }

// Per-language charts stay readable with a dozen plans: hand-written and baseline plans first,
// then a sweep's per-layer plans, in input order.
std::vector<std::string> language_chart_plans(const Dataset& d, size_t cap) {
  std::vector<std::string> out;
  for (int pass = 0; pass < 2; ++pass)
    for (size_t i = 1; i < d.plans.size() && out.size() < cap; ++i)
      if (is_layer_plan(d.plans[i]) == (pass == 1)) out.push_back(d.plans[i].name);
  return out;
}

}  // namespace

Report build_report(std::vector<Dataset> datasets, const std::vector<std::string>& inputs, const nlohmann::json& stats,
                    const std::string& stats_source, const ReportOptions& opt, std::vector<PatchMatrix> patches) {
  Report rep;
  rep.inputs = inputs;
  rep.stats_source = stats_source;
  for (auto& d : merge_datasets(std::move(datasets))) {
    Section s;
    s.data = std::move(d);
    const Dataset& ds = s.data;
    const std::string prefix = "s" + std::to_string(rep.sections.size()) + "-";
    s.group = primary_group(ds, opt.group);
    s.notes = ds.notes;
    for (size_t i = 1; i < ds.plans.size(); ++i) s.plans.push_back(ds.plans[i].name);
    if (s.plans.empty()) {
      s.notes.push_back("Only full precision was scored: no plan to chart.");
      rep.sections.push_back(std::move(s));
      continue;
    }
    const auto lang_plans = language_chart_plans(ds, opt.max_language_plans);
    if (lang_plans.size() < s.plans.size())
      s.notes.push_back("The per-language charts show " + std::to_string(lang_plans.size()) + " of " +
                        std::to_string(s.plans.size()) + " plans; every plan is in the tables.");
    for (const char* m : {"degradation", "delta_bpb", "kl", "top1"}) {
      Chart c = per_language_chart(ds, m, lang_plans);
      c.id = prefix + "lang-" + m;
      s.charts.push_back(std::move(c));
    }
    s.criticality = criticality(ds, s.group);
    for (const auto& n : s.criticality.notes) s.notes.push_back(n);
    for (const auto& ser : s.criticality.series) {
      Chart c = criticality_chart(ds, ser);
      c.id = prefix + "criticality-" + std::to_string(&ser - s.criticality.series.data());
      s.charts.push_back(std::move(c));
    }
    s.contrasts = plan_contrasts(ds, s.group, s.criticality.series.empty() ? "" : s.criticality.series[0].base_plan,
                                 opt.contrasts);
    for (const auto& n : s.contrasts.notes) s.notes.push_back(n);
    Chart h = disparity_heatmap(ds, s.plans);
    h.id = prefix + "heatmap";
    s.charts.push_back(std::move(h));
    if (s.group.empty()) {
      s.notes.push_back("No Pareto chart: the results have no language group.");
    } else {
      s.pareto = pareto(ds, s.group);
      if (s.pareto.points.empty()) {
        s.notes.push_back("No Pareto chart: no plan has a finite " + objective_label(s.pareto.objective) + ".");
      } else {
        Chart c = pareto_chart(ds, s.group, s.pareto);
        c.id = prefix + "pareto";
        s.charts.push_back(std::move(c));
      }
    }
    if (!stats.is_null()) {
      if (s.criticality.series.empty()) {
        s.notes.push_back("No statistic-vs-criticality charts: no per-layer criticality to correlate with.");
      } else {
        if (stats.contains("model") && stats["model"].is_string() && stats["model"].get<std::string>() != ds.model)
          s.notes.push_back("The statistics in " + stats_source + " are of model " + stats["model"].get<std::string>() +
                            ", the results of " + ds.model + ": check they are the same checkpoint.");
        s.correlations = stat_correlations(stats, stats_source, s.criticality, s.notes, opt.correlation);
        for (const auto& k : s.correlations) {
          const CriticalitySeries* ser = nullptr;
          for (const auto& x : s.criticality.series)
            if (x.component == k.component) ser = &x;
          Chart c = scatter_chart(ds, *ser, k);
          c.id = prefix + "scatter-" + std::to_string(&k - s.correlations.data());
          s.charts.push_back(std::move(c));
        }
      }
    }
    rep.sections.push_back(std::move(s));
  }
  for (auto& m : patches) {
    PatchSection ps;
    ps.data = std::move(m);
    for (const char* dir : {"restore", "inject"})
      if (ps.data.has(dir)) {
        Chart c = patch_heatmap(ps.data, dir);
        c.id = "p" + std::to_string(rep.patches.size()) + "-" + dir;
        ps.charts.push_back(std::move(c));
      }
    rep.patches.push_back(std::move(ps));
  }
  return rep;
}

}  // namespace lq::report
