#include "cli/scoring_flags.h"

namespace lq::cli {

void add_scoring_flags(CLI::App& cmd, jobs::ScoringOptions& o) {
  cmd.add_option("--langs", o.langs, "Only these language codes (comma separated)")->delimiter(',');
  cmd.add_option("--group", o.groups,
                 "Language group NAME=lang,lang (repeatable). Without plans: pooled rows. With plans: mean disparity "
                 "per group; group 'lr' (default: every language outside en de fr es it pt ru zh ja nl and --ref) "
                 "is the 'LR disparity' of the summary table");
  cmd.add_option("--ref", o.ref, "Reference language of disparity ratios (default en)");
  cmd.add_option("--mode", o.mode, "sentence or stream")->check(CLI::IsMember({"sentence", "stream"}));
  cmd.add_option("--ctx", o.ctx, "Context / window length in tokens (default: model's, 1024 max in stream)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_flag("--no-bos{false}", o.bos, "Do not prepend BOS in sentence mode");
  cmd.add_option("--bootstrap", o.bootstrap, "Bootstrap replicates for intervals")->check(CLI::NonNegativeNumber);
  cmd.add_option("--seed", o.seed, "Bootstrap seed");
}

}  // namespace lq::cli
