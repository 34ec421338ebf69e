// langquant predict --stats S --sweep W: which pre-quantization statistic predicts the layers
// whose protection helps most (measured criticality from a layers sweep).
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "analysis/predictor.h"
#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_file.h"
#include "core/mapped_file.h"

namespace lq::cli {
namespace {

using nlohmann::json;

struct PredictArgs {
  std::string stats, activations, sweep, objective = "lr_disparity", group = "lr", out, md;
  int top_k = 3;
  bool json_out = false;
  analysis::CorrelationOptions opts;
};

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

std::string table_name(const analysis::CriticalityTable& t) { return t.component.empty() ? "whole layer" : t.component; }

void run_predict(const PredictArgs& a) {
  const json sweep = read_json_file(a.sweep);
  const json stats = read_json_file(a.stats);
  auto tables = analysis::criticality_from_sweep(sweep, a.objective, a.group, a.sweep);
  auto preds = analysis::weight_predictors(stats, a.stats);
  if (!a.activations.empty())
    for (auto& p : analysis::activation_predictors(read_json_file(a.activations), a.activations)) preds.push_back(std::move(p));

  json j;
  j["sweep"] = a.sweep;
  j["stats"] = a.stats;
  j["activations"] = a.activations.empty() ? json() : json(a.activations);
  j["objective"] = a.objective;
  j["group"] = a.group;
  j["definitions"] = {
      {"criticality", "objective(baseline) - objective(plan protecting the layer); objectives are lower-is-better, "
                      "so positive = protecting the layer helps. Baseline: the sweep's base-only plan, else the mean "
                      "over the layer plans (a common shift: correlations and rankings unchanged)"},
      {"criticality_interval", "not available: the sweep JSON holds per-plan (marginal) intervals, not paired "
                               "differences; objective_lo/hi are the protecting plan's own 95% interval"},
      {"interval", "95% percentile bootstrap over layers, " + std::to_string(a.opts.bootstrap) + " resamples"},
      {"p_value", "two-sided permutation test, " + std::to_string(a.opts.permutations) + " shuffles, (count+1)/(N+1)"},
      {"top_k_overlap", "layers in both the k highest by predictor (lowest when its Spearman r < 0) and the k most "
                        "critical; ties by lower layer"}};
  j["seed"] = a.opts.seed;
  j["analyses"] = json::array();
  std::string md = "# Predictors of layer criticality\n\nSweep `" + a.sweep + "`, stats `" + a.stats +
                   "`, objective " + a.objective + " (group " + a.group + ").\n";
  bool any = false;
  for (const auto& t : tables) {
    auto table_preds = preds;  // whole-layer figures, plus the component's own pooled ones
    for (auto& p : analysis::component_predictors(stats, t.component, a.stats)) table_preds.push_back(std::move(p));
    const auto res = analysis::evaluate_predictors(t, table_preds, a.top_k, a.opts);
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
    j["analyses"].push_back(x);

    md += "\n## " + table_name(t) + " (" + std::to_string(t.layers.size()) + " layers; baseline " +
          (t.baseline.empty() ? "mean of the layer plans" : t.baseline) + ")\n\n";
    if (!t.skipped.empty()) {
      md += "Skipped (unstable or missing objective):";
      for (const auto& s : t.skipped) md += " " + s;
      md += "\n\n";
    }
    if (!too_few.empty()) md += "**T" + too_few.substr(1) + ".**\n\n";
    md += "| predictor | n | Pearson r | 95% CI | p (perm.) | Spearman | top-k overlap |\n|---|---:|---:|---|---:|---:|---:|\n";
    for (const auto& r : res)
      md += "| " + r.name + " | " + std::to_string(r.layers.size()) + " | " + f(r.pearson.r) + " | [" +
            f(r.pearson.lo) + ", " + f(r.pearson.hi) + "] | " + f(r.pearson.p_value, "%.3g") + " | " +
            f(r.spearman.r) + " | " + (r.overlap < 0 ? std::string("n/a") : std::to_string(r.overlap)) + "/" +
            std::to_string(r.k) + " |\n";
    if (!res.empty() && std::isfinite(res.front().spearman.r)) {
      any = true;
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
  }
  if (!any) std::cerr << "warning: no predictor could be evaluated (see the table)\n";
  const std::string text = j.dump(2) + "\n";
  if (!a.out.empty()) write_file_atomic(a.out, text);
  if (!a.md.empty()) write_file_atomic(a.md, md);
  std::cout << (a.json_out ? text : md);
}

}  // namespace

void register_predict(CLI::App& app) {
  auto a = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand(
      "predict",
      "Which pre-quantization statistic predicts layer criticality: per-layer weight statistics (stats JSON) "
      "and activation measures (activations JSON) against the criticality a layers sweep measured");
  cmd->footer(
      "Criticality of layer N = objective(base-only plan) - objective(plan protecting N), from the sweep's\n"
      "group rows (positive: protecting N helps). Without a base-only plan in the sweep (e.g. per-layer-mlp),\n"
      "the mean over the layer plans stands in; correlations and rankings do not change. A sweep with several\n"
      "components (inside-layer) gives one analysis per component. Predictors: whole-layer statistics, and for\n"
      "a component analysis the same statistics pooled over that component's weight matrices (mlp.variance).\n"
      "Example: langquant stats -m M -o stats.json; langquant sweep -m M -c C -r per-layer-mlp -o sweep.json;\n"
      "         langquant predict --stats stats.json --sweep sweep.json --objective kl");
  cmd->add_option("--stats", a->stats, "JSON from 'langquant stats --out'")->required();
  cmd->add_option("--sweep", a->sweep, "JSON from 'langquant sweep --out' with a layers axis")->required();
  cmd->add_option("--activations", a->activations, "JSON from 'langquant activations --out' (optional)");
  cmd->add_option("--objective", a->objective, "lr_disparity (unstable plans skipped), delta_bpb_gap or kl")
      ->check(CLI::IsMember(analysis::objective_names()));
  cmd->add_option("--group", a->group, "Language group whose row gives the objective (default lr)");
  cmd->add_option("--top-k", a->top_k, "k of the top-k overlap (default 3)")->check(CLI::PositiveNumber);
  cmd->add_option("--bootstrap", a->opts.bootstrap, "Bootstrap resamples for the intervals (0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--permutations", a->opts.permutations, "Shuffles for the p-values (0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", a->opts.seed, "Random seed (same seed, same intervals and p-values)");
  cmd->add_option("--out,-o", a->out, "Write the JSON here");
  cmd->add_option("--md", a->md, "Write the Markdown tables here");
  cmd->add_flag("--json", a->json_out, "Print the JSON instead of the tables");
  cmd->callback([a] { run_predict(*a); });
}

}  // namespace lq::cli
