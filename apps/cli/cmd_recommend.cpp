// langquant recommend: a quick per-layer sweep (each block kept at --keep alone, as the seeds'
// quick-layer-sweep does for new architectures), layers ranked by measured criticality, then the
// plan search over groups listed in that order; prints the plan file and a Markdown summary.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <numeric>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "experiments/search_job.h"

namespace lq::cli {
namespace {

using namespace lq::experiments;

struct RecommendArgs {
  SearchArgs s;
  std::string out;
  ComputeOptions compute;
};

// The search sees groups in criticality order: set {i} here is set {perm[i]} of the evaluator.
class Reordered : public Evaluator {
 public:
  Reordered(ModelEvaluator& inner, std::vector<int> perm) : inner_(inner), perm_(std::move(perm)) {}
  size_t total_units() const override { return inner_.total_units(); }
  std::vector<ObjectiveSample> evaluate(const std::vector<GroupSet>& sets, size_t n) override {
    std::vector<GroupSet> m;
    for (const auto& s : sets) m.push_back(map(s));
    return inner_.evaluate(m, n);
  }
  GroupSet map(const GroupSet& s) const {
    GroupSet o;
    for (int g : s) o.push_back(perm_[static_cast<size_t>(g)]);
    std::sort(o.begin(), o.end());
    return o;
  }

 private:
  ModelEvaluator& inner_;
  std::vector<int> perm_;
};

void run_recommend(const RecommendArgs& a) {
  apply_threads(a.compute);
  std::unique_ptr<AtomicFile> file;
  if (!a.out.empty()) file = std::make_unique<AtomicFile>(a.out, true);
  SearchArgs s = a.s;
  s.progress_of = a.out;  // the passes are kept beside the plan file while the run lasts
  s.command = "recommend";
  SearchJob job = open_search(s);
  ModelEvaluator& ev = *job.ev;
  const auto& groups = ev.groups();
  const size_t N = ev.total_units();
  auto say = [&](const std::string& s) {
    if (!a.compute.quiet) std::cerr << "recommend: " << s << std::endl;
  };

  // Per-layer sweep on every unit: criticality = objective(base) - objective(layer kept), with
  // an interval from the paired replicates of the difference.
  std::vector<int> layer_groups;
  for (size_t g = 0; g < groups.size(); ++g)
    if (groups[g].rule.find(" layers=") != std::string::npos && groups[g].rule.find(" component=") == std::string::npos)
      layer_groups.push_back(static_cast<int>(g));
  if (layer_groups.empty()) fail("--groups", "recommend needs the 'layers' family to rank layers");
  say("per-layer sweep: " + std::to_string(layer_groups.size()) + " layers on " + std::to_string(N) +
      " sentences per language");
  std::vector<GroupSet> sets = {GroupSet{}};
  for (int g : layer_groups) sets.push_back({g});
  const auto samples = ev.evaluate(sets, N);
  struct Row {
    int group;
    Interval objective, criticality;
    double cost;
  };
  std::vector<Row> rows;
  for (size_t i = 0; i < layer_groups.size(); ++i) {
    ObjectiveSample d;
    d.point = samples[0].point - samples[i + 1].point;
    for (size_t r = 0; r < samples[0].reps.size(); ++r) d.reps.push_back(samples[0].reps[r] - samples[i + 1].reps[r]);
    rows.push_back({layer_groups[i], interval_of(samples[i + 1], 0.95), interval_of(d, 0.95),
                    ev.cost({layer_groups[i]})});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& x, const Row& y) { return x.criticality.value > y.criticality.value; });

  // Groups in search order: layers by criticality, then the other families as given.
  std::vector<int> perm;
  for (const auto& r : rows) perm.push_back(r.group);
  for (size_t g = 0; g < groups.size(); ++g)
    if (std::find(perm.begin(), perm.end(), static_cast<int>(g)) == perm.end()) perm.push_back(static_cast<int>(g));
  Reordered rev(ev, perm);
  std::vector<std::string> names;
  for (int g : perm) names.push_back(groups[static_cast<size_t>(g)].name);
  SearchOptions o = search_options(a.s, job.target);
  if (!a.compute.quiet) o.progress = [&](const std::string& s) { say(s); };
  o.group_names = names;
  const SearchResult r = run_search(rev, perm.size(), [&](const GroupSet& s) { return ev.cost(rev.map(s)); }, o);
  const std::string line = ev.plan_line(rev.map(r.final().set));
  const PlanCheck chk = check_plan(*job.model, job.units, job.codes, line, job.target.kind, job.co, job.eo);
  const bool meets = !chk.unstable && chk.objective.value <= job.target.bound;
  const std::string obj = objective_name(job.target.kind);

  char b[512];
  std::snprintf(b, sizeof b, "objective %s = %.6f [%.6f, %.6f]; target %s %s; overhead %.6f", obj.c_str(),
                chk.objective.value, chk.objective.lo, chk.objective.hi, target_text(job.target).c_str(),
                meets ? "met" : "NOT met", chk.info.overhead);
  const std::string toml = plan_toml("recommended", line, {"langquant recommend on " + a.s.model + " / " + a.s.corpus, b});

  std::string md = "# Recommended plan\n\n## Per-layer criticality\n\n";
  md += "Each layer kept at " + a.s.keep + " alone over " + a.s.base + "; criticality = " + obj +
        " of the base plan minus " + obj + " with the layer kept (95% paired bootstrap interval, " +
        std::to_string(N) + " sentences per language). Base plan " + obj + ": ";
  std::snprintf(b, sizeof b, "%.4f.\n\n", samples[0].point);
  md += b;
  md += "| rank | layer | overhead | " + obj + " with layer kept | criticality |\n|---|---|---|---|---|\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    std::snprintf(b, sizeof b, "| %zu | %s | %.6g | %.6g [%.6g, %.6g] | %.6g [%.6g, %.6g] |\n", i + 1,
                  groups[static_cast<size_t>(rows[i].group)].name.c_str(), rows[i].cost, rows[i].objective.value,
                  rows[i].objective.lo, rows[i].objective.hi, rows[i].criticality.value, rows[i].criticality.lo,
                  rows[i].criticality.hi);
    md += b;
  }
  md += "\n## Search path (" + a.s.method + ", target " + target_text(job.target) + ", budget " +
        std::to_string(a.s.budget) + ")\n\n```\n" + path_text(r, names) + "```\n\n";
  std::snprintf(b, sizeof b, "Racing: %lld unit evaluations instead of %lld.\n\n",
                static_cast<long long>(r.unit_evaluations), static_cast<long long>(r.unit_evaluations_without_racing));
  md += b;
  md += "## Chosen plan\n\n`" + line + "`\n\n";
  std::snprintf(b, sizeof b, "- Overhead: %.8g\n- %s (as eval --plan computes it): %.8g [%.8g, %.8g]%s\n- Target %s: %s\n",
                chk.info.overhead, obj.c_str(), chk.objective.value, chk.objective.lo, chk.objective.hi,
                chk.unstable ? " (unstable)" : "", target_text(job.target).c_str(),
                meets ? "met" : "NOT met (best plan found within the budget)");
  md += b;
  md += "\n## Plan file\n\n```toml\n" + toml + "```\n";
  if (file) {
    file->stream() << toml;
    if (!file->stream().flush()) fail(a.out, "write failed (disk full?)");
    file->commit();
  }
  if (job.memo) job.memo->finish();
  std::cout << md;
  // Outputs are written either way; the status tells scripts whether the target was met.
  if (!meets) throw ExitWith{kExitTargetMissed};
}

}  // namespace

void register_recommend(CLI::App& app) {
  auto a = std::make_shared<RecommendArgs>();
  auto* cmd = app.add_subcommand(
      "recommend",
      "Recommend a plan for a model: a quick per-layer sweep (each layer kept alone) ranks layers by\n"
      "criticality (how much keeping the layer lowers the objective), then `search` runs over the groups\n"
      "in that order. Prints a Markdown summary (criticality table, search path, chosen plan, overhead,\n"
      "objective with interval as `eval --plan` computes it) and the plan file (also written to --out).");
  cmd->add_option("--model,-m", a->s.model, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  cmd->add_option("--corpus,-c", a->s.corpus, "Corpus folder or file")->required();
  cmd->add_option("--out,-o", a->out, "Write the recommended plan here (TOML)");
  cmd->add_option("--target", a->s.target, "OBJECTIVE<=VALUE (default lr_disparity<=1.5; see search --help)");
  cmd->add_option("--budget", a->s.budget, "Largest overhead (share of parameters kept), default 0.15");
  cmd->add_option("--method", a->s.method, "greedy or beam")->check(CLI::IsMember({"greedy", "beam"}));
  cmd->add_option("--width", a->s.width, "Beam width (default 3)")->check(CLI::PositiveNumber);
  cmd->add_option("--groups", a->s.families, "Group families (default layers,components,biases,norms)")->delimiter(',');
  cmd->add_option("--base", a->s.base, "Base format (default int4)");
  cmd->add_option("--keep", a->s.keep, "Format of protected groups (default fp16)");
  cmd->add_option("--langs", a->s.langs, "Only these language codes (comma separated)")->delimiter(',');
  cmd->add_option("--group", a->s.lang_groups, "Language group NAME=lang,lang; group 'lr' is the objective's");
  cmd->add_option("--ref", a->s.ref, "Reference language (default en)");
  cmd->add_flag("--no-race", a->s.no_race, "Score every candidate on every sentence");
  cmd->add_option("--race-start", a->s.race_start, "Sentences per language in the first racing round")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--bootstrap", a->s.final_replicates, "Bootstrap replicates of the final check (default 1000)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", a->s.seed, "Bootstrap seed (default eval's)");
  cmd->add_flag("--resume", a->s.resume, "Continue a run that was stopped (its progress is kept beside --out until it ends)");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] { run_recommend(*a); });
}

}  // namespace lq::cli
