// langquant search: the cheapest protection (set of tensor groups kept at --keep over --base)
// whose fairness objective meets a target, by greedy or beam search with statistical racing.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "experiments/search_job.h"

namespace lq::cli {
namespace {

using namespace lq::experiments;

struct SearchCmdArgs {
  SearchArgs s;
  std::string out;
  ComputeOptions compute;
};

void run_search_cmd(const SearchCmdArgs& a) {
  apply_threads(a.compute);
  // Open the output first: an unwritable path fails before the search, not after it.
  AtomicFile file(a.out, true);
  SearchArgs s = a.s;
  s.progress_of = a.out;  // the passes are kept beside the plan file while the run lasts
  s.command = "search";
  SearchJob job = open_search(s);
  SearchOptions o = search_options(a.s, job.target);
  if (!a.compute.quiet) o.progress = [](const std::string& line) { std::cerr << "search: " << line << std::endl; };
  std::vector<std::string> names;
  for (const auto& g : job.ev->groups()) names.push_back(g.name);
  o.group_names = names;
  const SearchResult r = run_search(*job.ev, names.size(), [&](const GroupSet& s) { return job.ev->cost(s); }, o);
  const std::string line = job.ev->plan_line(r.final().set);
  const PlanCheck chk = check_plan(*job.model, job.units, job.codes, line, job.target.kind, job.co, job.eo);

  const bool meets = !chk.unstable && chk.objective.value <= job.target.bound;
  char b[512];
  std::string report = "Search (" + a.s.method + ", target " + target_text(job.target) + ", budget " +
                       std::to_string(a.s.budget) + ", " + std::to_string(names.size()) + " groups)\n";
  report += "Path (objective on the first " + std::to_string(job.ev->total_units()) +
            " units of each language, interval from " + std::to_string(a.s.replicates) + " paired replicates):\n";
  report += path_text(r, names);
  std::snprintf(b, sizeof b,
                "Racing: %lld unit evaluations instead of %lld (saved %.1f%%), %d candidates, %lld engine passes\n",
                static_cast<long long>(r.unit_evaluations), static_cast<long long>(r.unit_evaluations_without_racing),
                r.unit_evaluations_without_racing
                    ? 100.0 * (1.0 - static_cast<double>(r.unit_evaluations) / r.unit_evaluations_without_racing)
                    : 0.0,
                r.candidates, static_cast<long long>(job.ev->passes()));
  report += b;
  report += "Plan: " + line + "\n";
  std::snprintf(b, sizeof b, "Overhead: %.8g\nObjective %s (as eval --plan computes it): %.8g [%.8g, %.8g]%s\n",
                chk.info.overhead, objective_name(job.target.kind).c_str(), chk.objective.value,
                chk.objective.lo, chk.objective.hi, chk.unstable ? " (unstable)" : "");
  report += b;
  if (job.target.kind == ObjectiveKind::MaxDeltaBpbGap) report += "Worst language: " + chk.worst_lang + "\n";
  report += meets ? "Target met: yes\n"
           : chk.unstable ? "Target met: NO (unstable: the reference's degradation interval contains 0)\n"
                          : "Target met: NO (the best plan found within the budget is given)\n";
  std::snprintf(b, sizeof b, "objective %s = %.6f [%.6f, %.6f]; target %s %s; overhead %.6f",
                objective_name(job.target.kind).c_str(), chk.objective.value, chk.objective.lo, chk.objective.hi,
                target_text(job.target).c_str(), meets ? "met" : "NOT met", chk.info.overhead);
  file.stream() << plan_toml("search", line, {"langquant search on " + a.s.model + " / " + a.s.corpus, b});
  if (!file.stream().flush()) fail(a.out, "write failed (disk full?)");
  file.commit();
  if (job.memo) job.memo->finish();
  std::cout << report;
  // Outputs are written either way; the status tells scripts whether the target was met.
  if (!meets) throw ExitWith{kExitTargetMissed};
}

}  // namespace

void register_search(CLI::App& app) {
  auto a = std::make_shared<SearchCmdArgs>();
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
      "scores it (same bootstrap seed) and written as a TOML plan file.");
  cmd->add_option("--model,-m", a->s.model, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  cmd->add_option("--corpus,-c", a->s.corpus, "Corpus folder or file")->required();
  cmd->add_option("--out,-o", a->out, "Write the chosen plan here (TOML)")->required();
  cmd->add_option("--target", a->s.target, "OBJECTIVE<=VALUE (default lr_disparity<=1.5)");
  cmd->add_option("--budget", a->s.budget, "Largest overhead (share of parameters kept), default 0.15");
  cmd->add_option("--method", a->s.method, "greedy or beam")->check(CLI::IsMember({"greedy", "beam"}));
  cmd->add_option("--width", a->s.width, "Beam width (default 3)")->check(CLI::PositiveNumber);
  cmd->add_option("--groups", a->s.families, "Group families, comma separated (default layers,components,biases,norms)")
      ->delimiter(',');
  cmd->add_option("--base", a->s.base, "Base format (default int4)");
  cmd->add_option("--keep", a->s.keep, "Format of protected groups (default fp16)");
  cmd->add_option("--langs", a->s.langs, "Only these language codes (comma separated)")->delimiter(',');
  cmd->add_option("--group", a->s.lang_groups, "Language group NAME=lang,lang; group 'lr' is the objective's "
                                               "(default: every language outside en de fr es it pt ru zh ja nl and --ref)");
  cmd->add_option("--ref", a->s.ref, "Reference language (default en)");
  cmd->add_flag("--no-race", a->s.no_race, "Score every candidate on every sentence");
  cmd->add_option("--race-start", a->s.race_start, "Sentences per language in the first racing round (default 8)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--race-bootstrap", a->s.replicates, "Bootstrap replicates of racing intervals (default 200)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--bootstrap", a->s.final_replicates, "Bootstrap replicates of the final check (default 1000)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", a->s.seed, "Bootstrap seed (default eval's)");
  cmd->add_option("--batch-tokens", a->s.batch_tokens, "Rows per forward pass")->check(CLI::PositiveNumber);
  cmd->add_flag("--resume", a->s.resume, "Continue a run that was stopped (its progress is kept beside --out until it ends)");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] { run_search_cmd(*a); });
}

}  // namespace lq::cli
