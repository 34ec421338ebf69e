// langquant patch --model M --corpus C --plan P: causal patching. Per language, the share of the
// plan's loss that restoring each component's activations to full precision recovers, and the
// share that injecting the plan's activations at that component alone carries, with intervals.
#include <iostream>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "experiments/patch_job.h"

namespace lq::cli {
namespace {

struct PatchArgs {
  PatchSpec spec;
  std::string out, md, csv;
  ComputeOptions compute;
};

void run_patch(const PatchArgs& a) {
  apply_threads(a.compute);
  const PatchReport r = run_patch_job(a.spec);
  // Every output is rendered before the first is written: no half-written set of files.
  const std::string json = patch_json(r).dump(2) + "\n", md = patch_markdown(r), csv = patch_csv(r);
  if (!a.out.empty()) write_file_atomic(a.out, json);
  if (!a.md.empty()) write_file_atomic(a.md, md);
  if (!a.csv.empty()) write_file_atomic(a.csv, csv);
  if (a.out.empty() && a.md.empty() && a.csv.empty()) std::cout << md;
}

}  // namespace

void register_patch(CLI::App& app) {
  auto a = std::make_shared<PatchArgs>();
  PatchSpec& s = a->spec;
  auto* cmd = app.add_subcommand(
      "patch",
      "Causal patching: run the model under a plan with chosen activations restored to full precision (restore), "
      "or full precision with the plan's activations injected at one place (inject), and report per language the "
      "share of the plan's NLL loss each recovers or carries, with paired bootstrap intervals. Components: "
      "resid.K (residual stream entering block K; resid.L after the last), attn.K, mlp.K, block.K (= attn.K + "
      "mlp.K), heads.K:H,H.., neurons.K:I,I.., logits, joined by '+'; 'all' and 'none'");
  cmd->add_option("--model,-m", s.model, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  cmd->add_option("--corpus,-c", s.corpus, "Corpus folder (see 'langquant eval --help')")->required();
  cmd->add_option("--plan,-p", s.plan, "Quantization plan: preset, file or one-line form")->required();
  cmd->add_option("--base", s.base, "Base format of presets (default int4)");
  cmd->add_option("--keep", s.keep, "Format of the parts presets protect (default fp16)");
  cmd->add_option("--langs", s.langs, "Languages to run (default: all)")->delimiter(',');
  cmd->add_option("--sentences", s.sentences, "First N sentences per language (0: all; default 100)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--layers", s.layers, "Blocks of the default sweep (default: all)")->delimiter(',');
  cmd->add_option("--kinds", s.kinds, "Components of the default sweep: resid, attn, mlp, block (default: all)")
      ->delimiter(',');
  cmd->add_option("--patch", s.patches, "A patch instead of the default sweep (repeatable), e.g. block.0 or "
                                        "attn.0+mlp.1 or heads.2:0,3");
  cmd->add_option("--direction", s.direction, "restore, inject or both (default both)");
  cmd->add_option("--bootstrap", s.bootstrap.replicates, "Bootstrap replicates (default 1000)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", s.bootstrap.seed, "Bootstrap seed (default 20260105)");
  cmd->add_option("--batch-tokens", s.batch_tokens, "Rows per forward batch (default 2048)")->check(CLI::PositiveNumber);
  cmd->add_option("--out,-o", a->out, "JSON with every estimate (schema_version 1)");
  cmd->add_option("--md", a->md, "Markdown, leading with the answer (printed when no output file is given)");
  cmd->add_option("--csv", a->csv, "CSV, one row per language, patch and direction");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] {
    a->spec.quiet = a->compute.quiet;
    run_patch(*a);
  });
}

}  // namespace lq::cli
