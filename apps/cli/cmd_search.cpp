// langquant search: argv -> jobs::PlanSearchSpec; prints the search, writes the plan file
// (jobs/plan_search_jobs.h). Exit 3 when the target is not met.
#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/search_flags.h"

namespace lq::cli {

void register_search(CLI::App& app) {
  struct Args {
    jobs::PlanSearchSpec spec;
    std::string out;
    ComputeOptions compute;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "search",
      "Find the cheapest protection meeting a fairness target. Candidates are sets of tensor groups\n"
      "(--groups: layers = each block, layer-components = each block's attention/mlp, components =\n"
      "embeddings/attention/mlp/output, biases, norms), each kept at --keep over --base. Objectives:\n"
      "lr_disparity (mean over group 'lr' of degradation / the reference's), delta_bpb_gap (group mean\n"
      "delta_bpb minus the reference's), max_kl (worst language's KL(FP||plan) per token),\n"
      "max_delta_bpb_gap (max over every language but --ref of its delta_bpb minus the reference's:\n"
      "'max_delta_bpb_gap<=0.05' keeps every language within 0.05 bits per byte of --ref).\n"
      "greedy adds the group with the largest objective drop per unit of overhead (or, once some meet\n"
      "the target, the cheapest that does); beam keeps --width sets per size and returns the cheapest\n"
      "set meeting the target. Racing: each step's candidates are scored on doubling prefixes of the\n"
      "corpus (from --race-start sentences per language) and dropped once their bootstrap interval is\n"
      "entirely worse than the leader's. The chosen plan is rescored on every sentence as `eval --plan`\n"
      "scores it (same bootstrap seed) and written as a TOML plan file. Exit 3 when the target is not met.");
  add_search_flags(*cmd, a->spec);
  cmd->add_option("--out,-o", a->out, "Write the chosen plan here (TOML)")->required();
  cmd->add_option("--race-bootstrap", a->spec.replicates, "Bootstrap replicates of racing intervals (default 200)")
      ->check(CLI::PositiveNumber);
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] {
    apply_threads(a->compute);
    jobs::JobProgress progress{a->compute.quiet, nullptr};
    if (!a->compute.quiet) progress.stage = [](const std::string& s) { std::cerr << "search: " << s << std::endl; };
    const jobs::PlanSearchResult r = jobs::run_search(a->spec, a->out, progress);
    std::cout << r.search_text();
    if (!r.meets) throw ExitWith{kExitTargetMissed};  // outputs are written either way
  });
}

}  // namespace lq::cli
