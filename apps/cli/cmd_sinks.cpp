// langquant sinks --model M --corpus C [--plan P]: attention sinks per head and language, their
// change under a plan, and whether they relate to weight outliers and to the plan's loss.
#include <iostream>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "experiments/sinks_job.h"

namespace lq::cli {
namespace {

struct SinksArgs {
  SinksSpec spec;
  std::string out, md, csv;
  ComputeOptions compute;
};

void run_sinks(const SinksArgs& a) {
  apply_threads(a.compute);
  const SinksReport r = run_sinks_job(a.spec);
  const std::string json = sinks_json(r).dump(2) + "\n", md = sinks_markdown(r), csv = sinks_csv(r);
  if (!a.out.empty()) write_file_atomic(a.out, json);
  if (!a.md.empty()) write_file_atomic(a.md, md);
  if (!a.csv.empty()) write_file_atomic(a.csv, csv);
  if (a.out.empty() && a.md.empty() && a.csv.empty()) std::cout << md;
}

}  // namespace

void register_sinks(CLI::App& app) {
  auto a = std::make_shared<SinksArgs>();
  SinksSpec& s = a->spec;
  auto* cmd = app.add_subcommand(
      "sinks",
      "Attention sinks per head and language: the mean attention weight on the first position (BOS) and on "
      "secondary sink positions, their change under --plan, each head's weight outlier ratio, and Spearman and "
      "Pearson correlations (bootstrap intervals, permutation p) of sinks with outliers across heads and with the "
      "plan's loss across languages");
  cmd->add_option("--model,-m", s.model, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  cmd->add_option("--corpus,-c", s.corpus, "Corpus folder (see 'langquant eval --help')")->required();
  cmd->add_option("--plan,-p", s.plan, "Quantization plan whose effect to measure");
  cmd->add_option("--base", s.base, "Base format of presets (default int4)");
  cmd->add_option("--keep", s.keep, "Format of the parts presets protect (default fp16)");
  cmd->add_option("--langs", s.langs, "Languages to run (default: all)")->delimiter(',');
  cmd->add_option("--sentences", s.sentences, "First N sentences per language (0: all; default 100)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--threshold", s.sinks.threshold,
                  "Secondary sink: a key receiving at least this mean weight from later queries (default 0.3)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--bootstrap", s.bootstrap.replicates, "Bootstrap replicates of the loss intervals (default 1000)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", s.bootstrap.seed, "Bootstrap seed (default 20260105)");
  cmd->add_option("--batch-tokens", s.sinks.batch_tokens, "Rows per forward batch (default 2048)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--out,-o", a->out, "JSON with every share (schema_version 1)");
  cmd->add_option("--md", a->md, "Markdown, leading with the answer (printed when no output file is given)");
  cmd->add_option("--csv", a->csv, "CSV, one row per language, layer and head");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] {
    a->spec.quiet = a->compute.quiet;
    run_sinks(*a);
  });
}

}  // namespace lq::cli
