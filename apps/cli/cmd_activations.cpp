// langquant activations --model DIR --corpus C: per-language statistics of every block's
// output (the residual stream): RMS, mean/max |h|, kurtosis, massive activations, critical
// layers, and with --plan how far each layer moves from full precision. The work is
// jobs/activations_job.h.
#include <iostream>

#include "cli/commands.h"
#include "jobs/activations_job.h"

namespace lq::cli {

void register_activations(CLI::App& app) {
  struct Args {
    jobs::ActivationsSpec spec;
    ComputeOptions compute;
  };
  auto a = std::make_shared<Args>();
  auto& s = a->spec;
  auto* cmd = app.add_subcommand(
      "activations",
      "Per-language statistics of every block's output (residual stream): RMS, mean and max |h|, excess kurtosis, "
      "massive activations (|h| > 100x the layer's median |h|) with token and channel, each language's critical "
      "layers (top 20% by mean |h|), and with --plan the relative L2 change of every layer under the plan");
  cmd->add_option("--model,-m", s.model, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  cmd->add_option("--corpus,-c", s.corpus, "Corpus folder (see 'langquant eval --help')")->required();
  cmd->add_option("--langs", s.langs, "Languages to run (default: all)")->delimiter(',');
  cmd->add_option("--sentences", s.sentences, "First N sentences per language (0: all; default 100)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--plan,-p", s.plan, "Quantization plan whose effect on each layer to measure");
  cmd->add_option("--base", s.base, "Base format of presets (default int4)");
  cmd->add_option("--keep", s.keep, "Format of the parts presets protect (default fp16)");
  cmd->add_option("--massive-factor", s.options.massive_factor, "Massive: |h| > factor * median |h| (default 100)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--top", s.options.top_massive, "Massive activations listed per layer (default 5)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--critical-share", s.options.critical_share, "Share of layers called critical (default 0.2)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--batch-tokens", s.options.batch_tokens, "Rows per forward batch (default 2048)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--out,-o", s.out, "JSON with every statistic");
  cmd->add_option("--md", s.md, "Markdown tables (printed when no output file is given)");
  cmd->add_option("--dump-hidden", s.dump,
                  "Also write each block's output as raw float32 [rows, dim] to DIR/<lang>.L<layer>.f32 "
                  "(sentences in corpus order, each with its BOS row; for small runs and tests)");
  cmd->add_flag("--resume", s.resume,
                "Continue a run that was stopped (finished languages are kept beside --out until it ends)");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] {
    apply_threads(a->compute);
    jobs::JobProgress progress{a->compute.quiet, nullptr};
    if (!a->compute.quiet) progress.stage = [](const std::string& m) { std::cerr << "activations: " << m << std::endl; };
    const auto r = jobs::run_activations(a->spec, progress);
    if (a->spec.out.empty() && a->spec.md.empty()) std::cout << r.to_markdown();
  });
}

}  // namespace lq::cli
