// langquant stats --model DIR: weight statistics per tensor, layer and component, and the
// error each tensor takes under a quantization format.
#include <cstdio>
#include <iostream>

#include "analysis/stats_output.h"
#include "analysis/weight_stats.h"
#include "cli/commands.h"
#include "core/atomic_file.h"
#include "quant/format.h"

namespace lq::cli {
namespace {

struct StatsArgs {
  std::string model, format = "int4", out, csv, md;
  bool pool_all = false;
  ComputeOptions compute;
};

void run_stats(const StatsArgs& a) {
  const quant::Format format = quant::parse_format(a.format);  // reject a bad name before any work
  apply_threads(a.compute);
  auto model = Model::load(a.model);
  const auto stats = analysis::weight_stats(*model, format, a.pool_all, a.compute.quiet);
  // Every output is rendered before any is written, so a failure leaves none behind.
  const std::string json = analysis::stats_json(stats, a.model).dump(2) + "\n";
  if (!a.out.empty()) write_file_atomic(a.out, json);
  if (!a.csv.empty()) write_file_atomic(a.csv, analysis::stats_csv(stats));
  const std::string md = analysis::stats_markdown(stats, a.model);
  if (!a.md.empty()) write_file_atomic(a.md, md);
  if (a.out.empty() && a.csv.empty() && a.md.empty()) std::cout << md;
}

}  // namespace

void register_stats(CLI::App& app) {
  auto a = std::make_shared<StatsArgs>();
  auto* cmd = app.add_subcommand(
      "stats",
      "Weight statistics per tensor, per layer and per component: mean, variance, skewness, excess kurtosis, max "
      "|w|, outlier shares beyond 3/5/10 sigma, share of sum |w| in the top 0.01%/1%/10% of weights, sparsity, "
      "the largest weight and its ratio to the median |w|, and each tensor's quantization error under --format");
  cmd->add_option("--model,-m", a->model, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  cmd->add_option("--format,-f", a->format, "Number format for the quantization error (e.g. int4, int4-g128, q4_0)");
  cmd->add_option("--out,-o", a->out, "JSON with every statistic (per tensor, layer, component)");
  cmd->add_option("--csv", a->csv, "CSV: one row per tensor, layer and component");
  cmd->add_flag("--pool-all", a->pool_all,
                "Layers and components pool every tensor (default: weight matrices only; norm scales and biases "
                "would dominate a layer's variance and kurtosis)");
  cmd->add_option("--md", a->md, "Markdown table per layer (printed when no output file is given)");
  cmd->footer("Top-k% counts the ceil(k% * n) largest |w|. Kurtosis is excess (Fisher), as scipy.stats.kurtosis.\n"
              "Coordinates of the largest weight are (row, col) in [out, in] order whatever the storage.");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] { run_stats(*a); });
}

}  // namespace lq::cli
