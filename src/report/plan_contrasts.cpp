#include "report/plan_contrasts.h"

#include <cmath>
#include <map>

#include "eval/paired.h"

namespace lq::report {
namespace {

constexpr double kConfidence = 0.95;  // the level every comparison file states in "interval"

Value from(const Estimate& e) { return {e.value, e.lo, e.hi, false}; }

std::string choose_base(const Dataset& d, const std::string& layer_base) {
  std::vector<std::string> tagged;
  for (size_t i = 1; i < d.plans.size(); ++i)
    if (plan_tag(d.plans[i], "axis") == "base") tagged.push_back(d.plans[i].name);
  if (tagged.size() == 1) return tagged.front();
  if (!tagged.empty()) return "";  // ambiguous: no guess
  if (d.plan("none") && !d.is_fp("none")) return "none";
  return layer_base;
}

// The layers a sweep plan protects (tags "layers": [..] or "layer": N), empty for other plans.
std::vector<int> tagged_layers(const PlanEntry& p) {
  const std::string axis = plan_tag(p, "axis");
  if (axis != "layer" && axis != "layers") return {};
  std::vector<int> out;
  if (auto it = p.tags.find("layers"); it != p.tags.end() && it->is_array()) {
    for (const auto& x : *it) {
      if (!x.is_number_integer() || x.get<int64_t>() < 0 || x.get<int64_t>() > 1'000'000) return {};
      out.push_back(static_cast<int>(x.get<int64_t>()));
    }
    return out;
  }
  const int l = tagged_layer(p);
  return l < 0 ? std::vector<int>{} : std::vector<int>{l};
}

std::string component_of(const PlanEntry& p) {
  const std::string c = plan_tag(p, "component");
  return c == "all" ? "" : c;
}

}  // namespace

std::string Contrast::verdict() const {
  if (!(std::isfinite(improvement.lo) && std::isfinite(improvement.hi))) return "no interval";
  if (improvement.lo > 0) return "better";
  if (improvement.hi < 0) return "worse";
  return "no clear difference";
}

std::string PairContrast::verdict() const {
  if (!(std::isfinite(advantage.lo) && std::isfinite(advantage.hi))) return "no interval";
  if (advantage.lo > 0) return a + " fairer";
  if (advantage.hi < 0) return b + " fairer";
  return "no clear difference";
}

namespace {

// objective(b) - objective(a) replicate by replicate, when both plans are in one file with
// finite replicates; otherwise a note saying why not.
void add_pair(const Dataset& d, const std::string& group, const std::string& a, const std::string& b,
              PlanContrasts& out) {
  const PlanEntry *pa = d.plan(a), *pb = d.plan(b);
  const std::string what = "Contrast \"" + a + "\" vs \"" + b + "\"";
  if (!pa || !pb) {
    out.notes.push_back(what + ": no plan named \"" + (pa ? b : a) + "\" in the results.");
    return;
  }
  if (pa->source != pb->source) {
    out.notes.push_back(what + ": the plans come from different files, whose replicates do not pair.");
    return;
  }
  PairContrast c;
  c.a = a;
  c.b = b;
  c.objective = choose_objective(d, group, {a, b}).objective;
  const GroupRow *ga = d.group_row(a, group), *gb = d.group_row(b, group);
  c.a_value = ga ? objective_value(*ga, c.objective) : Value{};
  c.b_value = gb ? objective_value(*gb, c.objective) : Value{};
  std::vector<double> sa = objective_samples(ga, c.objective, c.a_value.value),
                      sb = objective_samples(gb, c.objective, c.b_value.value);
  if (!c.a_value.finite() || !c.b_value.finite() || sa.size() < 2 || sa.size() != sb.size()) {
    out.notes.push_back(what + ": no finite " + objective_label(c.objective) + " with bootstrap replicates for both.");
    return;
  }
  const PairedReplicates paired({std::move(sb), std::move(sa)}, kConfidence);
  c.advantage = from(paired.difference(0, 1));
  const RatioEstimate q = paired.ratio(0, 1);
  c.ratio = {q.e.value, q.e.lo, q.e.hi, q.unstable};
  out.pairs.push_back(std::move(c));
}

}  // namespace

PlanContrasts plan_contrasts(const Dataset& d, const std::string& group, const std::string& layer_base,
                             const std::vector<std::pair<std::string, std::string>>& pairs) {
  PlanContrasts out;
  if (group.empty()) return out;
  for (const auto& [a, b] : pairs) add_pair(d, group, a, b, out);
  out.base_plan = choose_base(d, layer_base);
  if (out.base_plan.empty()) {
    out.notes.push_back("No paired contrasts: no base-only plan to compare with (tag one {\"axis\":\"base\"} or "
                        "name it \"none\").");
    return out;
  }
  out.source = d.plan(out.base_plan)->source;
  std::vector<const PlanEntry*> plans;
  std::vector<std::string> names = {out.base_plan}, elsewhere;
  for (size_t i = 1; i < d.plans.size(); ++i) {
    const PlanEntry& p = d.plans[i];
    if (p.name == out.base_plan) continue;
    if (p.source != out.source) {
      elsewhere.push_back(p.name);
      continue;
    }
    plans.push_back(&p);
    names.push_back(p.name);
  }
  const ObjectiveChoice choice = choose_objective(d, group, names);
  out.objective = choice.objective;
  out.why = choice.why;
  const GroupRow* bg = d.group_row(out.base_plan, group);
  const Value bv = bg ? objective_value(*bg, out.objective) : Value{};
  const std::vector<double> base = objective_samples(bg, out.objective, bv.value);
  if (!bv.finite() || base.size() < 2) {
    out.notes.push_back("No paired contrasts: the base plan \"" + out.base_plan + "\" has no finite " +
                        objective_label(out.objective) + " with bootstrap replicates (rerun with --bootstrap).");
    out.base_plan.clear();
    return out;
  }
  if (!elsewhere.empty())
    out.notes.push_back("Paired contrasts leave out " + std::to_string(elsewhere.size()) + " plan(s) of other files than " +
                        out.source + " (e.g. \"" + elsewhere.front() + "\"): their replicates resample other units.");
  // samples[0] is the base; index of each compared plan in samples.
  PlanSamples samples = {base};
  std::map<std::string, size_t> index;
  std::vector<std::string> skipped;
  for (const PlanEntry* p : plans) {
    const GroupRow* g = d.group_row(p->name, group);
    const Value v = g ? objective_value(*g, out.objective) : Value{};
    std::vector<double> s = objective_samples(g, out.objective, v.value);
    if (!v.finite() || s.size() != base.size()) {
      skipped.push_back(p->name);
      continue;
    }
    index[p->name] = samples.size();
    samples.push_back(std::move(s));
    out.contrasts.push_back({p->name, v, {}});
  }
  if (!skipped.empty())
    out.notes.push_back(std::to_string(skipped.size()) + " plan(s) have no finite " + objective_label(out.objective) +
                        " with replicates and are not contrasted (e.g. \"" + skipped.front() + "\").");
  const PairedReplicates paired(std::move(samples), kConfidence);
  for (auto& c : out.contrasts) c.improvement = from(paired.difference(0, index.at(c.plan)));

  // Synergy: (whole - base) - sum (part - base) on the objective is minus the synergy of
  // criticalities, since criticality = base - objective.
  auto add_synergy = [&](const PlanEntry& whole, const std::vector<const PlanEntry*>& parts) {
    std::vector<size_t> idx;
    std::vector<std::string> part_names;
    for (const PlanEntry* p : parts) {
      if (!index.count(p->name)) return;
      idx.push_back(index.at(p->name));
      part_names.push_back(p->name);
    }
    if (!index.count(whole.name)) return;
    const Estimate e = paired.synergy(index.at(whole.name), idx, 0);
    out.synergies.push_back({whole.name, part_names, {-e.value, -e.hi, -e.lo, false}});
  };
  for (const PlanEntry* w : plans) {
    const std::vector<int> layers = tagged_layers(*w);
    const std::string comp = component_of(*w);
    std::vector<const PlanEntry*> parts;
    if (layers.size() >= 2) {  // a pair or triple of layers against its single layers
      for (int l : layers)
        for (const PlanEntry* p : plans)
          if (tagged_layers(*p) == std::vector<int>{l} && component_of(*p) == comp) {
            parts.push_back(p);
            break;
          }
      if (parts.size() == layers.size()) add_synergy(*w, parts);
    } else if (layers.size() == 1 && comp.empty()) {  // a whole layer against its components
      for (const PlanEntry* p : plans)
        if (p != w && tagged_layers(*p) == layers && !component_of(*p).empty()) parts.push_back(p);
      if (parts.size() >= 2) add_synergy(*w, parts);
    }
  }
  return out;
}

}  // namespace lq::report
