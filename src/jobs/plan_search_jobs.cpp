#include "jobs/plan_search_jobs.h"

#include <algorithm>
#include <memory>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/number_text.h"
#include "core/schema_version.h"

namespace lq::jobs {
namespace {

using namespace lq::experiments;

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

// Rescoring of the chosen plan and the plan file, shared by both jobs; the kept passes go once
// the file is in place.
void finish(PlanSearchResult& r, SearchJob& job, const GroupSet& chosen, AtomicFile* file) {
  r.plan_line = job.ev->plan_line(chosen);
  r.check = check_plan(*job.model, job.units, job.codes, r.plan_line, job.target.kind, job.co, job.eo);
  r.meets = !r.check.unstable && r.check.objective.value <= job.target.bound;
  r.engine_passes = job.ev->passes();
  if (file) {
    file->stream() << r.plan_toml();
    if (!file->stream().flush()) fail(file->path(), "write failed (disk full?)");
    file->commit();
  }
  if (job.memo) job.memo->finish();
}

std::unique_ptr<AtomicFile> open_plan_file(PlanSearchSpec& spec, const std::string& plan_out, const char* command) {
  spec.progress_of = plan_out;
  spec.command = command;
  return plan_out.empty() ? nullptr : std::make_unique<AtomicFile>(plan_out, true);
}

PlanSearchResult start(const char* command, const PlanSearchSpec& spec, const SearchJob& job) {
  PlanSearchResult r;
  r.command = command;
  r.spec = spec;
  r.target = job.target;
  r.units_per_language = job.ev->total_units();
  return r;
}

}  // namespace

PlanSearchResult run_search(PlanSearchSpec spec, const std::string& plan_out, const JobProgress& progress) {
  const auto file = open_plan_file(spec, plan_out, "search");
  SearchJob job = open_search(spec);
  PlanSearchResult r = start("search", spec, job);
  SearchOptions o = search_options(spec, job.target);
  if (progress.stage) o.progress = progress.stage;
  for (const auto& g : job.ev->groups()) r.group_names.push_back(g.name);
  o.group_names = r.group_names;
  r.search = experiments::run_search(*job.ev, r.group_names.size(),
                                     [&](const GroupSet& s) { return job.ev->cost(s); }, o);
  finish(r, job, r.search.final().set, file.get());
  return r;
}

PlanSearchResult run_recommend(PlanSearchSpec spec, const std::string& plan_out, const JobProgress& progress) {
  const auto file = open_plan_file(spec, plan_out, "recommend");
  SearchJob job = open_search(spec);
  PlanSearchResult r = start("recommend", spec, job);
  ModelEvaluator& ev = *job.ev;
  const auto& groups = ev.groups();
  const size_t N = ev.total_units();

  // Per-layer sweep on every unit: criticality = objective(base) - objective(layer kept), with
  // an interval from the paired replicates of the difference.
  std::vector<int> layer_groups;
  for (size_t g = 0; g < groups.size(); ++g)
    if (groups[g].rule.find(" layers=") != std::string::npos && groups[g].rule.find(" component=") == std::string::npos)
      layer_groups.push_back(static_cast<int>(g));
  if (layer_groups.empty()) fail("--groups", "recommend needs the 'layers' family to rank layers");
  progress.say("per-layer sweep: " + std::to_string(layer_groups.size()) + " layers on " + std::to_string(N) +
               " sentences per language");
  std::vector<GroupSet> sets = {GroupSet{}};
  for (int g : layer_groups) sets.push_back({g});
  const auto samples = ev.evaluate(sets, N);
  r.base_objective = samples[0].point;
  std::vector<std::pair<int, LayerCriticality>> rows;
  for (size_t i = 0; i < layer_groups.size(); ++i) {
    ObjectiveSample d;
    d.point = samples[0].point - samples[i + 1].point;
    for (size_t k = 0; k < samples[0].reps.size(); ++k) d.reps.push_back(samples[0].reps[k] - samples[i + 1].reps[k]);
    const int g = layer_groups[i];
    rows.push_back({g, {groups[static_cast<size_t>(g)].name, ev.cost({g}), interval_of(samples[i + 1], 0.95),
                        interval_of(d, 0.95)}});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& x, const auto& y) { return x.second.criticality.value > y.second.criticality.value; });

  // Groups in search order: layers by criticality, then the other families as given.
  std::vector<int> perm;
  for (const auto& [g, row] : rows) {
    perm.push_back(g);
    r.layers.push_back(row);
  }
  for (size_t g = 0; g < groups.size(); ++g)
    if (std::find(perm.begin(), perm.end(), static_cast<int>(g)) == perm.end()) perm.push_back(static_cast<int>(g));
  Reordered rev(ev, perm);
  for (int g : perm) r.group_names.push_back(groups[static_cast<size_t>(g)].name);
  SearchOptions o = search_options(spec, job.target);
  if (progress.stage) o.progress = progress.stage;
  o.group_names = r.group_names;
  r.search = experiments::run_search(rev, perm.size(), [&](const GroupSet& s) { return ev.cost(rev.map(s)); }, o);
  finish(r, job, rev.map(r.search.final().set), file.get());
  return r;
}

std::string PlanSearchResult::verdict() const {
  return strprintf("objective %s = %.6f [%.6f, %.6f]; target %s %s; overhead %.6f", objective_name(target.kind).c_str(),
                   check.objective.value, check.objective.lo, check.objective.hi, target_text(target).c_str(),
                   meets ? "met" : "NOT met", check.info.overhead);
}

std::string PlanSearchResult::plan_toml() const {
  const std::string name = command == "recommend" ? "recommended" : command;
  return experiments::plan_toml(name, plan_line, {"langquant " + command + " on " + spec.model + " / " + spec.corpus, verdict()});
}

std::string PlanSearchResult::search_text() const {
  const auto& r = search;
  std::string s = "Search (" + spec.method + ", target " + target_text(target) + ", budget " +
                  std::to_string(spec.budget) + ", " + std::to_string(group_names.size()) + " groups)\n";
  s += "Path (objective on the first " + std::to_string(units_per_language) + " units of each language, interval from " +
       std::to_string(spec.replicates) + " paired replicates):\n";
  s += path_text(r, group_names);
  s += strprintf("Racing: %lld unit evaluations instead of %lld (saved %.1f%%), %d candidates, %lld engine passes\n",
                 static_cast<long long>(r.unit_evaluations), static_cast<long long>(r.unit_evaluations_without_racing),
                 r.unit_evaluations_without_racing
                     ? 100.0 * (1.0 - static_cast<double>(r.unit_evaluations) / r.unit_evaluations_without_racing)
                     : 0.0,
                 r.candidates, static_cast<long long>(engine_passes));
  s += "Plan: " + plan_line + "\n";
  s += strprintf("Overhead: %.8g\nObjective %s (as eval --plan computes it): %.8g [%.8g, %.8g]%s\n", check.info.overhead,
                 objective_name(target.kind).c_str(), check.objective.value, check.objective.lo, check.objective.hi,
                 check.unstable ? " (unstable)" : "");
  if (target.kind == ObjectiveKind::MaxDeltaBpbGap) s += "Worst language: " + check.worst_lang + "\n";
  s += meets ? "Target met: yes\n"
      : check.unstable ? "Target met: NO (unstable: the reference's degradation interval contains 0)\n"
                       : "Target met: NO (the best plan found within the budget is given)\n";
  return s;
}

std::string PlanSearchResult::recommend_markdown() const {
  const std::string obj = objective_name(target.kind);
  std::string md = "# Recommended plan\n\n## Per-layer criticality\n\n";
  md += "Each layer kept at " + spec.keep + " alone over " + spec.base + "; criticality = " + obj + " of the base plan minus " +
        obj + " with the layer kept (95% paired bootstrap interval, " + std::to_string(units_per_language) +
        " sentences per language). Base plan " + obj + ": ";
  md += strprintf("%.4f.\n\n", base_objective);
  md += "| rank | layer | overhead | " + obj + " with layer kept | criticality |\n|---|---|---|---|---|\n";
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    md += strprintf("| %zu | %s | %.6g | %.6g [%.6g, %.6g] | %.6g [%.6g, %.6g] |\n", i + 1, l.layer.c_str(), l.overhead,
                    l.objective.value, l.objective.lo, l.objective.hi, l.criticality.value, l.criticality.lo,
                    l.criticality.hi);
  }
  md += "\n## Search path (" + spec.method + ", target " + target_text(target) + ", budget " + std::to_string(spec.budget) +
        ")\n\n```\n" + path_text(search, group_names) + "```\n\n";
  md += strprintf("Racing: %lld unit evaluations instead of %lld.\n\n", static_cast<long long>(search.unit_evaluations),
                  static_cast<long long>(search.unit_evaluations_without_racing));
  md += "## Chosen plan\n\n`" + plan_line + "`\n\n";
  md += strprintf("- Overhead: %.8g\n- %s (as eval --plan computes it): %.8g [%.8g, %.8g]%s\n- Target %s: %s\n",
                  check.info.overhead, obj.c_str(), check.objective.value, check.objective.lo, check.objective.hi,
                  check.unstable ? " (unstable)" : "", target_text(target).c_str(),
                  meets ? "met" : "NOT met (best plan found within the budget)");
  md += "\n## Plan file\n\n```toml\n" + plan_toml() + "```\n";
  return md;
}

nlohmann::json PlanSearchResult::to_json() const {
  auto interval = [](const Interval& i) { return nlohmann::json{{"value", i.value}, {"lo", i.lo}, {"hi", i.hi}}; };
  nlohmann::json layers_json = nlohmann::json::array();
  for (const auto& l : layers)
    layers_json.push_back({{"layer", l.layer}, {"overhead", l.overhead}, {"objective", interval(l.objective)},
                           {"criticality", interval(l.criticality)}});
  nlohmann::json j = {{"command", command},
                      {"model", spec.model},
                      {"corpus", spec.corpus},
                      {"target", target_text(target)},
                      {"plan", plan_line},
                      {"overhead", check.info.overhead},
                      {"objective", {{"value", check.objective.value}, {"lo", check.objective.lo}, {"hi", check.objective.hi}}},
                      {"unstable", check.unstable},
                      {"target_met", meets},
                      {"unit_evaluations", search.unit_evaluations},
                      {"unit_evaluations_without_racing", search.unit_evaluations_without_racing},
                      {"layers", layers_json}};
  stamp_schema_version(j, kSchemaVersion);
  return j;
}

}  // namespace lq::jobs
