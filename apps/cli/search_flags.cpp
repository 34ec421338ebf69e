#include "cli/search_flags.h"

namespace lq::cli {

void add_search_flags(CLI::App& cmd, jobs::PlanSearchSpec& s) {
  cmd.add_option("--model,-m", s.model, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  cmd.add_option("--corpus,-c", s.corpus, "Corpus folder or file")->required();
  cmd.add_option("--target", s.target, "OBJECTIVE<=VALUE (default lr_disparity<=1.5)");
  cmd.add_option("--budget", s.budget, "Largest overhead (share of parameters kept), default 0.15");
  cmd.add_option("--method", s.method, "greedy or beam")->check(CLI::IsMember({"greedy", "beam"}));
  cmd.add_option("--width", s.width, "Beam width (default 3)")->check(CLI::PositiveNumber);
  cmd.add_option("--groups", s.families, "Group families, comma separated (default layers,components,biases,norms)")
      ->delimiter(',');
  cmd.add_option("--base", s.base, "Base format (default int4)");
  cmd.add_option("--keep", s.keep, "Format of protected groups (default fp16)");
  cmd.add_option("--langs", s.langs, "Only these language codes (comma separated)")->delimiter(',');
  cmd.add_option("--group", s.lang_groups, "Language group NAME=lang,lang; group 'lr' is the objective's "
                                           "(default: every language outside en de fr es it pt ru zh ja nl and --ref)");
  cmd.add_option("--ref", s.ref, "Reference language (default en)");
  cmd.add_flag("--no-race", s.no_race, "Score every candidate on every sentence");
  cmd.add_option("--race-start", s.race_start, "Sentences per language in the first racing round (default 8)")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--bootstrap", s.final_replicates, "Bootstrap replicates of the final check (default 1000)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--seed", s.seed, "Bootstrap seed (default eval's)");
  cmd.add_option("--batch-tokens", s.batch_tokens, "Rows per forward pass")->check(CLI::PositiveNumber);
  cmd.add_flag("--resume", s.resume, "Continue a run that was stopped (its progress is kept beside --out until it ends)");
}

}  // namespace lq::cli
