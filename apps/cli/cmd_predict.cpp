// langquant predict --stats S --sweep W [--stats S2 --sweep W2 ...]: which pre-quantization
// statistic predicts the layers whose protection helps most (measured criticality from a layers
// sweep), on one model or pooled across several. The work is jobs/predict_job.h.
#include <iostream>

#include "analysis/predictor.h"
#include "cli/commands.h"
#include "core/error.h"
#include "jobs/predict_job.h"

namespace lq::cli {
namespace {

struct PredictArgs {
  std::vector<std::string> stats, sweeps, activations;
  bool json_out = false;
  jobs::PredictSpec spec;
};

void run(PredictArgs& a) {
  if (a.stats.size() != a.sweeps.size())
    fail("predict", "give one --stats per --sweep (" + std::to_string(a.stats.size()) + " --stats, " +
                        std::to_string(a.sweeps.size()) + " --sweep), in the same order");
  if (!a.activations.empty() && a.activations.size() != a.sweeps.size())
    fail("predict", "give one --activations per --sweep, or none");
  a.spec.models.clear();
  for (size_t i = 0; i < a.sweeps.size(); ++i)
    a.spec.models.push_back({a.stats[i], a.sweeps[i], a.activations.empty() ? "" : a.activations[i]});
  const auto r = jobs::run_predict(a.spec);
  if (!r.any_defined) std::cerr << "warning: no predictor could be evaluated (see the table)\n";
  std::cout << (a.json_out ? r.json.dump(2) + "\n" : r.markdown);
}

}  // namespace

void register_predict(CLI::App& app) {
  auto a = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand(
      "predict",
      "Which pre-quantization statistic predicts layer criticality: per-layer and per-tensor weight statistics "
      "(stats JSON) and activation measures (activations JSON) against the criticality a layers sweep measured; "
      "with several models, pooled within models and checked by leaving one model out");
  cmd->footer(
      "Criticality of layer N = objective(base-only plan) - objective(plan protecting N), from the sweep's\n"
      "group rows (positive: protecting N helps). Without a base-only plan in the sweep (e.g. per-layer-mlp),\n"
      "the mean over the layer plans stands in; correlations and rankings do not change. A sweep with several\n"
      "components (inside-layer) gives one analysis per component. Predictors: whole-layer statistics, the\n"
      "same statistics of each block tensor alone (ffn_down.kurtosis), and for a component analysis pooled over\n"
      "that component's weight matrices (mlp.variance).\n"
      "Several models: repeat --stats and --sweep (and --activations) in the same order. Each predictor is\n"
      "pooled within models (each model ranked/centred on its own), and each model in turn is held out: the\n"
      "predictor that ranks the other models' layers best is judged on its layers. Fewer than 5 layers decide\n"
      "nothing, and the output says so.\n"
      "Example: langquant stats -m M -o stats.json; langquant sweep -m M -c C -r per-layer-mlp -o sweep.json;\n"
      "         langquant predict --stats stats.json --sweep sweep.json --objective kl\n"
      "         langquant predict --stats a/stats.json --sweep a/sweep.json --stats b/stats.json --sweep b/sweep.json");
  cmd->add_option("--stats", a->stats, "JSON from 'langquant stats --out' (repeat per model)")->required();
  cmd->add_option("--sweep", a->sweeps, "JSON from 'langquant sweep --out' with a layers axis (repeat per model)")
      ->required();
  cmd->add_option("--activations", a->activations, "JSON from 'langquant activations --out' (optional; per model)");
  cmd->add_option("--objective", a->spec.objective, "lr_disparity (unstable plans skipped), delta_bpb_gap or kl")
      ->check(CLI::IsMember(analysis::objective_names()));
  cmd->add_option("--group", a->spec.group, "Language group whose row gives the objective (default lr)");
  cmd->add_option("--top-k", a->spec.top_k, "k of the top-k overlap (default 3)")->check(CLI::PositiveNumber);
  cmd->add_option("--bootstrap", a->spec.options.bootstrap, "Bootstrap resamples for the intervals (0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--permutations", a->spec.options.permutations, "Shuffles for the p-values (0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", a->spec.options.seed, "Random seed (same seed, same intervals and p-values)");
  cmd->add_option("--out,-o", a->spec.out, "Write the JSON here");
  cmd->add_option("--md", a->spec.md, "Write the Markdown tables here");
  cmd->add_flag("--json", a->json_out, "Print the JSON instead of the tables");
  cmd->callback([a] { run(*a); });
}

}  // namespace lq::cli
