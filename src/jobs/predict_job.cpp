#include "jobs/predict_job.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "analysis/predictor.h"
#include "analysis/predictor_pooling.h"
#include "core/error.h"
#include "core/json_file.h"
#include "jobs/output_files.h"

namespace lq::jobs {
namespace {

using nlohmann::json;

json num(double v) { return std::isfinite(v) ? json(v) : json(); }

json corr_json(const analysis::Correlation& c) {
  return {{"r", num(c.r)}, {"lo", num(c.lo)}, {"hi", num(c.hi)}, {"p_value", num(c.p_value)}};
}

std::string f(double v, const char* fmt = "%.3f") {
  if (!std::isfinite(v)) return "n/a";
  char b[48];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

// The layers ordered by the predictor in its direction (most critical first).
std::vector<int> ranking(const analysis::PredictorResult& r) {
  std::vector<int> out;
  for (int i : analysis::top_k(r.x, static_cast<int>(r.x.size()), r.direction)) out.push_back(r.layers[i]);
  return out;
}

std::string table_name(const std::string& component) { return component.empty() ? "whole layer" : component; }

std::string too_few_md(const std::string& too_few) { return too_few.empty() ? "" : "**T" + too_few.substr(1) + ".**\n\n"; }

// One model: its criticality tables, every predictor evaluated on each, as JSON and Markdown
// (the single-model output), plus what pooling needs.
struct ModelOutput {
  json analyses = json::array();
  std::string md;
  bool any = false;
  std::vector<analysis::ModelCriticality> tables;  // one per component
};

ModelOutput evaluate_model(const PredictModel& m, const PredictSpec& s, const std::string& heading) {
  const json sweep = read_json_file(m.sweep);
  const json stats = read_json_file(m.stats);
  ModelOutput out;
  auto tables = analysis::criticality_from_sweep(sweep, s.objective, s.group, m.sweep);
  auto preds = analysis::weight_predictors(stats, m.stats);
  if (!m.activations.empty())
    for (auto& p : analysis::activation_predictors(read_json_file(m.activations), m.activations)) preds.push_back(std::move(p));
  for (auto& p : analysis::tensor_predictors(stats, m.stats)) preds.push_back(std::move(p));
  for (const auto& t : tables) {
    auto table_preds = preds;  // whole-layer and per-tensor figures, plus the component's pooled ones
    for (auto& p : analysis::component_predictors(stats, t.component, m.stats)) table_preds.push_back(std::move(p));
    const auto res = analysis::evaluate_predictors(t, table_preds, s.top_k, s.options);
    json x = {{"component", t.component}, {"baseline", t.baseline.empty() ? json() : json(t.baseline)},
              {"baseline_objective", num(t.baseline_objective)}, {"skipped", t.skipped}};
    x["layers"] = json::array();
    for (const auto& l : t.layers)
      x["layers"].push_back({{"layer", l.layer}, {"plan", l.plan}, {"objective", num(l.objective)},
                             {"objective_lo", num(l.objective_lo)}, {"objective_hi", num(l.objective_hi)},
                             {"criticality", num(l.criticality)}});
    // A table of a handful of layers decides nothing, whatever its r: say so before any number.
    const std::string too_few = analysis::too_few_pairs(static_cast<int>(t.layers.size()));
    if (!too_few.empty()) x["too_few"] = too_few;
    x["predictors"] = json::array();
    for (const auto& r : res)
      x["predictors"].push_back({{"name", r.name}, {"n", r.layers.size()}, {"layers", r.layers}, {"values", r.x},
                                 {"pearson", corr_json(r.pearson)}, {"spearman", corr_json(r.spearman)},
                                 {"direction", r.direction}, {"k", r.k},
                                 {"top_k_overlap", r.overlap < 0 ? json() : json(r.overlap)},
                                 {"ranking", ranking(r)}});
    out.analyses.push_back(x);

    std::string& md = out.md;
    md += "\n" + heading + " " + table_name(t.component) + " (" + std::to_string(t.layers.size()) +
          " layers; baseline " + (t.baseline.empty() ? "mean of the layer plans" : t.baseline) + ")\n\n";
    if (!t.skipped.empty()) {
      md += "Skipped (unstable or missing objective):";
      for (const auto& sk : t.skipped) md += " " + sk;
      md += "\n\n";
    }
    md += too_few_md(too_few);
    md += "| predictor | n | Pearson r | 95% CI | p (perm.) | Spearman | top-k overlap |\n|---|---:|---:|---|---:|---:|---:|\n";
    for (const auto& r : res)
      md += "| " + r.name + " | " + std::to_string(r.layers.size()) + " | " + f(r.pearson.r) + " | [" +
            f(r.pearson.lo) + ", " + f(r.pearson.hi) + "] | " + f(r.pearson.p_value, "%.3g") + " | " +
            f(r.spearman.r) + " | " + (r.overlap < 0 ? std::string("n/a") : std::to_string(r.overlap)) + "/" +
            std::to_string(r.k) + " |\n";
    if (!res.empty() && std::isfinite(res.front().spearman.r)) {
      out.any = true;
      md += "\nLayer ranking by " + res.front().name + " (most critical first):";
      for (int l : ranking(res.front())) md += " " + std::to_string(l);
      md += "\nMeasured ranking:";
      std::vector<double> c;
      for (const auto& l : t.layers) c.push_back(l.criticality);
      for (int i : analysis::top_k(c, static_cast<int>(c.size()), 1)) md += " " + std::to_string(t.layers[i].layer);
      md += "\n";
    } else {
      md += "\nNo predictor has a defined correlation (need 3 layers and non-constant values).\n";
    }
    out.tables.push_back({m.sweep, t, std::move(table_preds)});
  }
  return out;
}

// Pooled and held-out checks of one component across every model that has it.
void pool_component(const std::string& component, const std::vector<analysis::ModelCriticality>& models,
                    const PredictSpec& s, json& j, std::string& md) {
  const auto pooled = analysis::pool_predictors(models, s.options);
  const auto held = analysis::leave_one_model_out(models, s.top_k, s.options);
  int layers = 0;
  for (const auto& m : models) layers += static_cast<int>(m.table.layers.size());
  json x = {{"component", component}, {"models", models.size()}, {"layers", layers}};
  x["pooled"] = json::array();
  for (const auto& p : pooled)
    x["pooled"].push_back({{"name", p.name}, {"n", p.n}, {"pearson", corr_json(p.pearson)},
                           {"spearman", corr_json(p.spearman)}, {"direction", p.direction}});
  x["held_out"] = json::array();
  for (const auto& h : held)
    x["held_out"].push_back({{"model", h.model}, {"predictor", h.predictor.empty() ? json() : json(h.predictor)},
                             {"direction", h.direction}, {"train_spearman", num(h.train_spearman)}, {"n", h.n},
                             {"spearman", corr_json(h.spearman)}, {"k", h.k},
                             {"top_k_overlap", h.overlap < 0 ? json() : json(h.overlap)}});
  j["pooled"].push_back(x);

  md += "\n## " + table_name(component) + ": pooled over " + std::to_string(models.size()) + " models (" +
        std::to_string(layers) + " layers)\n\n";
  // The held-out check leads: it is the one a lucky statistic cannot pass.
  md += "Leave one model out: the predictor with the largest pooled |Spearman| on the other models, judged on "
        "the held-out model's layers.\n\n| held-out model | chosen predictor | its r on the others | n | Spearman "
        "on held-out [95% CI] | p (perm.) | top-k overlap |\n|---|---|---:|---:|---|---:|---:|\n";
  for (const auto& h : held)
    md += "| " + h.model + " | " + (h.predictor.empty() ? "none defined" : (h.direction < 0 ? "-" : "") + h.predictor) +
          " | " + f(h.train_spearman) + " | " + std::to_string(h.n) + " | " + f(h.spearman.r) + " [" +
          f(h.spearman.lo) + ", " + f(h.spearman.hi) + "] | " + f(h.spearman.p_value, "%.3g") + " | " +
          (h.overlap < 0 ? std::string("n/a") : std::to_string(h.overlap) + "/" + std::to_string(h.k)) + " |\n";
  md += "\nPooled within models (each model ranked or centred on its own; resampled and shuffled inside models):\n\n"
        "| predictor | n | Pearson r | 95% CI | Spearman | 95% CI | p (perm.) |\n|---|---:|---:|---|---:|---|---:|\n";
  for (const auto& p : pooled)
    md += "| " + p.name + " | " + std::to_string(p.n) + " | " + f(p.pearson.r) + " | [" + f(p.pearson.lo) + ", " +
          f(p.pearson.hi) + "] | " + f(p.spearman.r) + " | [" + f(p.spearman.lo) + ", " + f(p.spearman.hi) + "] | " +
          f(p.spearman.p_value, "%.3g") + " |\n";
  if (pooled.empty()) md += "\nNo predictor is present on at least 3 layers of every model.\n";
}

}  // namespace

PredictResult run_predict(const PredictSpec& s) {
  if (s.models.empty()) fail("predict", "no model: give --stats and --sweep");
  OutputFiles outputs({s.out, s.md});
  PredictResult r;
  json& j = r.json;
  const bool several = s.models.size() > 1;
  if (!several) {
    j["sweep"] = s.models[0].sweep;
    j["stats"] = s.models[0].stats;
    j["activations"] = s.models[0].activations.empty() ? json() : json(s.models[0].activations);
  }
  j["objective"] = s.objective;
  j["group"] = s.group;
  j["definitions"] = {
      {"criticality", "objective(baseline) - objective(plan protecting the layer); objectives are lower-is-better, "
                      "so positive = protecting the layer helps. Baseline: the sweep's base-only plan, else the mean "
                      "over the layer plans (a common shift: correlations and rankings unchanged)"},
      {"criticality_interval", "not available: the sweep JSON holds per-plan (marginal) intervals, not paired "
                               "differences; objective_lo/hi are the protecting plan's own 95% interval"},
      {"interval", "95% percentile bootstrap over layers, " + std::to_string(s.options.bootstrap) + " resamples"},
      {"p_value", "two-sided permutation test, " + std::to_string(s.options.permutations) + " shuffles, (count+1)/(N+1)"},
      {"top_k_overlap", "layers in both the k highest by predictor (lowest when its Spearman r < 0) and the k most "
                        "critical; ties by lower layer"}};
  if (several) {
    j["definitions"]["pooled"] = "within models: each model's layers centred (Pearson) or ranked then centred "
                                 "(Spearman) on their own, r of the pooled deviations; bootstrap and permutations "
                                 "inside models";
    j["definitions"]["held_out"] = "leave one model out: the predictor (and sign) with the largest pooled |Spearman| "
                                   "on the other models, its Spearman r and top-k overlap on the held-out model";
  }
  j["seed"] = s.options.seed;
  std::string& md = r.markdown;
  if (!several) {
    md = "# Predictors of layer criticality\n\nSweep `" + s.models[0].sweep + "`, stats `" + s.models[0].stats +
         "`, objective " + s.objective + " (group " + s.group + ").\n";
    ModelOutput o = evaluate_model(s.models[0], s, "##");
    j["analyses"] = o.analyses;
    md += o.md;
    r.any_defined = o.any;
  } else {
    md = "# Predictors of layer criticality across " + std::to_string(s.models.size()) + " models\n\nObjective " +
         s.objective + " (group " + s.group + "). Each model's own tables follow the pooled checks.\n";
    std::vector<std::string> per_model;
    std::map<std::string, std::vector<analysis::ModelCriticality>> by_component;
    std::vector<std::string> order;
    j["models"] = json::array();
    for (const auto& m : s.models) {
      ModelOutput o = evaluate_model(m, s, "###");
      j["models"].push_back({{"sweep", m.sweep}, {"stats", m.stats},
                             {"activations", m.activations.empty() ? json() : json(m.activations)},
                             {"analyses", o.analyses}});
      per_model.push_back("\n## Model: sweep `" + m.sweep + "`, stats `" + m.stats + "`\n" + o.md);
      r.any_defined = r.any_defined || o.any;
      for (auto& t : o.tables) {
        if (!by_component.count(t.table.component)) order.push_back(t.table.component);
        by_component[t.table.component].push_back(std::move(t));
      }
    }
    j["pooled"] = json::array();
    for (const auto& c : order) {
      if (by_component[c].size() < s.models.size()) {
        md += "\n" + table_name(c) + ": not in every model's sweep, so not pooled.\n";
        continue;
      }
      pool_component(c, by_component[c], s, j, md);
    }
    for (const auto& p : per_model) md += p;
  }
  const std::string text = j.dump(2) + "\n";
  if (outputs.has(0)) outputs.write(0, text);
  if (outputs.has(1)) outputs.write(1, md);
  outputs.commit();
  return r;
}

}  // namespace lq::jobs
