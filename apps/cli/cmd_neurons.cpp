// langquant neurons --model M --corpus C: activation probability of every feed-forward unit per
// language, LAPE, and the language-specific units (Tang et al. 2024).
#include <iostream>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "experiments/neurons_job.h"

namespace lq::cli {
namespace {

struct NeuronsArgs {
  NeuronsSpec spec;
  std::string out, md;
  ComputeOptions compute;
};

void run_neurons(const NeuronsArgs& a) {
  apply_threads(a.compute);
  const NeuronsReport r = run_neurons_job(a.spec);
  const std::string json = neurons_json(r).dump(1) + "\n", md = neurons_markdown(r);
  if (!a.out.empty()) write_file_atomic(a.out, json);
  if (!a.md.empty()) write_file_atomic(a.md, md);
  if (a.out.empty() && a.md.empty()) std::cout << md;
}

}  // namespace

void register_neurons(CLI::App& app) {
  auto a = std::make_shared<NeuronsArgs>();
  NeuronsSpec& s = a->spec;
  auto* cmd = app.add_subcommand(
      "neurons",
      "Language-specific neurons: per feed-forward unit and language the probability that it is active (> 0 at the "
      "input of ffn_down), its LAPE (entropy of those probabilities over languages, Tang et al. 2024), and the "
      "lowest-LAPE units among those often active");
  cmd->add_option("--model,-m", s.model, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  cmd->add_option("--corpus,-c", s.corpus, "Corpus folder (see 'langquant eval --help')")->required();
  cmd->add_option("--langs", s.langs, "Languages to run (default: all)")->delimiter(',');
  cmd->add_option("--sentences", s.sentences, "First N sentences per language (0: all; default 100)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--quantile", s.quantile, "Candidates: largest probability >= this quantile of all (default 0.95)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--share", s.share, "Share of candidates with the lowest LAPE called specific (default 0.01)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--batch-tokens", s.batch_tokens, "Rows per forward batch (default 2048)")->check(CLI::PositiveNumber);
  cmd->add_option("--out,-o", a->out, "JSON with every probability and LAPE (schema_version 1)");
  cmd->add_option("--md", a->md, "Markdown (printed when no output file is given)");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] { run_neurons(*a); });
}

}  // namespace lq::cli
