// langquant recommend: argv -> jobs::PlanSearchSpec; prints the Markdown summary, writes the
// plan file (jobs/plan_search_jobs.h). Exit 3 when the target is not met.
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/search_flags.h"

namespace lq::cli {

void register_recommend(CLI::App& app) {
  struct Args {
    jobs::PlanSearchSpec spec;
    std::string out;
    ComputeOptions compute;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "recommend",
      "Recommend a plan for a model: a quick per-layer sweep (each layer kept alone) ranks layers by\n"
      "criticality (how much keeping the layer lowers the objective), then `search` runs over the groups\n"
      "in that order. Prints a Markdown summary (criticality table, search path, chosen plan, overhead,\n"
      "objective with interval as `eval --plan` computes it) and the plan file (also written to --out).\n"
      "Exit 3 when the target is not met.");
  add_search_flags(*cmd, a->spec);
  cmd->add_option("--out,-o", a->out, "Write the recommended plan here (TOML)");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] {
    apply_threads(a->compute);
    jobs::JobProgress progress{a->compute.quiet, nullptr};
    if (!a->compute.quiet) progress.stage = [](const std::string& s) { std::cerr << "recommend: " << s << std::endl; };
    const jobs::PlanSearchResult r = jobs::run_recommend(a->spec, a->out, progress);
    std::cout << r.recommend_markdown();
    if (!r.meets) throw ExitWith{kExitTargetMissed};  // outputs are written either way
  });
}

}  // namespace lq::cli
