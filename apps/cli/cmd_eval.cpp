// langquant eval: argv -> jobs::EvalSpec; prints the Markdown (jobs/eval_job.h writes the files).
#include <iomanip>
#include <iostream>

#include "cli/commands.h"
#include "cli/scoring_flags.h"
#include "jobs/eval_job.h"

namespace lq::cli {

void register_eval(CLI::App& app) {
  struct Args {
    jobs::EvalSpec spec;
    ComputeOptions compute;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "eval",
      "Score every language of a corpus: scored tokens, bytes, characters, NLL per token, perplexity and\n"
      "bits per byte, each with a 95% bootstrap interval over sentences (windows in stream mode).\n"
      "Corpus: a folder of <lang>.txt files (one sentence per line), a FLORES-style folder (dev/ or\n"
      "devtest/ with eng_Latn.devtest-style names), or .conllu files ('# text = ' lines).\n"
      "Modes: 'sentence' scores each sentence alone with BOS prepended (when the model has one);\n"
      "'stream' joins a language's sentences with newlines, cuts the tokens into windows of --ctx and\n"
      "scores the second half of each window (as llama.cpp's perplexity).\n"
      "With --plan: full precision and every plan are scored on the same tokens in one pass (FP logits\n"
      "once per batch, never stored); per plan and language: ppl, bpb, degradation, disparity and NLL\n"
      "disparity against --ref, delta_bpb, KL(FP||plan), top-1 agreement, with paired bootstrap\n"
      "intervals; ratios whose denominator interval contains 0 are reported 'unstable'. Outputs: JSON\n"
      "(--out), CSV (one row per plan x language), Markdown (strategy table in the seeds' form).");
  jobs::EvalSpec& s = a->spec;
  cmd->add_option("--model,-m", s.model, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  cmd->add_option("--corpus,-c", s.corpus, "Corpus folder or file")->required();
  cmd->add_option("--out,-o", s.json, "Write results as JSON here (and Markdown beside it, .md)");
  cmd->add_option("--md", s.md, "Write the Markdown table here");
  cmd->add_option("--plan,-p", s.plans,
                  "Quantization plan to compare with full precision (repeatable): a preset name (see 'langquant plan "
                  "list'), a .toml/.json plan file, or a one-line plan such as 'base=int4; keep fp16 layers=0,-1'");
  cmd->add_option("--base", s.base, "Base format of presets (default int4; see 'langquant plan show --help')");
  cmd->add_option("--keep", s.keep, "Format of the parts presets protect (default fp16)");
  cmd->add_option("--csv", s.csv, "With plans: write one CSV row per plan x language here (default: --out with .csv)");
  add_scoring_flags(*cmd, s.scoring);
  cmd->add_option("--batch-tokens", s.batch_tokens, "Rows per forward pass (sentences are packed)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--resume", s.resume, "Continue a run that was stopped (its progress is kept beside --out until it ends)");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] {
    apply_threads(a->compute);
    const jobs::EvalResult r = jobs::run_eval(a->spec, {a->compute.quiet, nullptr});
    std::cout << r.to_markdown();
    // The forward work, measured: shared blocks of plans count once (eval/plan_tree.h).
    if (!a->compute.quiet && r.work.batches > 0 && r.n_layer > 0) {
      const double pass = static_cast<double>(r.work.batches * r.n_layer);
      std::cerr << "forward work: " << r.work.block_runs << " block evaluations in " << r.work.batches
                << " batches = " << std::fixed << std::setprecision(2) << r.work.block_runs / pass
                << " full-precision passes (every set alone: " << r.work.block_naive / pass << ")\n";
    }
  });
}

}  // namespace lq::cli
