// langquant fisher: per-language diagonal Fisher information of a GPT-2's weights. The work is
// jobs/fisher_job.h (train/fisher.h).
#include <iostream>

#include "cli/commands.h"
#include "jobs/fisher_job.h"

namespace lq::cli {

void register_fisher(CLI::App& app) {
  struct Args {
    jobs::FisherSpec spec;
    ComputeOptions compute;
  };
  auto a = std::make_shared<Args>();
  auto& s = a->spec;
  auto* cmd = app.add_subcommand(
      "fisher",
      "Per-language diagonal Fisher information of every weight of a GPT-2 checkpoint:\n"
      "  F_l[i] = (1/N) * sum over sentences s of (dL_s / dw_i)^2\n"
      "where L_s is the mean next-token NLL of sentence s ([BOS] + its tokens, as `eval` scores it)\n"
      "and N the number of sentences of language l (the first --max-sentences of the corpus).\n"
      "Writes OUT.safetensors with one F32 tensor per language and canonical tensor, named\n"
      "'<lang>/<canonical>' (matrices in [out, in] order), plus 'group:<g>/...' (mean of the members)\n"
      "and 'max/...' (per weight, max over languages of F_l / mean of F_l over the model), and a\n"
      "JSON summary (per set: total, per tensor sum/mean/max/share, per layer). Use the file in a\n"
      "plan (keep fp16 top=1% by=fisher:OUT.safetensors:ar,he) or with `langquant overlap`.");
  cmd->add_option("--model,-m", s.model, "GPT-2 checkpoint folder")->required();
  cmd->add_option("--corpus,-c", s.corpus, "Corpus (folder of <lang>.txt, FLORES folder or .conllu)")->required();
  cmd->add_option("--langs,-l", s.langs, "Languages to compute (default: all of the corpus)")->delimiter(',');
  cmd->add_option("--group,-g", s.groups, "Group NAME=a,b,c (mean of the members' Fisher); repeatable");
  cmd->add_option("--max-sentences", s.max_sentences, "Sentences per language (0 = all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--out,-o", s.out, "Output .safetensors file (written atomically)")->required();
  cmd->add_option("--json", s.json, "Summary JSON (default: OUT with .json instead of .safetensors)");
  cmd->add_flag("--resume", s.resume,
                "Continue a run that was stopped (finished languages are kept beside --out until it ends)");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] {
    apply_threads(a->compute);
    jobs::JobProgress progress{a->compute.quiet, nullptr};
    if (!a->compute.quiet) progress.stage = [](const std::string& m) { std::cerr << "fisher: " << m << std::endl; };
    const auto r = jobs::run_fisher(a->spec, progress);
    if (!a->compute.quiet) std::cerr << r.to_text();
  });
}

}  // namespace lq::cli
