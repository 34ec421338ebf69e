#include "report/chart_data.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "analysis/pareto.h"
#include "core/error.h"
#include "eval/paired.h"

namespace lq::report {

std::string objective_label(Objective o) {
  return o == Objective::lr_disparity ? "LR disparity" : "LR delta_bpb gap";
}

std::string objective_unit(Objective o) { return o == Objective::lr_disparity ? "x (ratio)" : "bits per byte"; }

Value objective_value(const GroupRow& g, Objective o) {
  if (o == Objective::delta_bpb_gap) return g.delta_bpb_gap;
  if (!g.lr_disparity) return Value{};
  return *g.lr_disparity;
}

const std::vector<double>* objective_replicates(const GroupRow& g, Objective o) {
  auto it = g.replicates.find(o == Objective::delta_bpb_gap ? "delta_bpb_gap" : "lr_disparity");
  return it == g.replicates.end() || it->second.empty() ? nullptr : &it->second;
}

std::string primary_group(const Dataset& d, const std::string& wanted) {
  const auto names = d.group_names();
  if (!wanted.empty()) {
    if (std::find(names.begin(), names.end(), wanted) == names.end())
      fail(d.sources.front(), "no language group \"" + wanted + "\" in the results");
    return wanted;
  }
  if (std::find(names.begin(), names.end(), "lr") != names.end()) return "lr";
  return names.empty() ? "" : names.front();
}

ObjectiveChoice choose_objective(const Dataset& d, const std::string& group, const std::vector<std::string>& plans) {
  int unstable = 0, missing = 0;
  for (const auto& p : plans) {
    const GroupRow* g = d.group_row(p, group);
    if (!g || !g->lr_disparity) ++missing;
    else if (!g->lr_disparity->finite()) ++unstable;
  }
  ObjectiveChoice c;
  if (unstable == 0 && missing == 0) {
    c.why = "Objective: LR disparity of group '" + group + "' (stable for every plan shown).";
    return c;
  }
  c.objective = Objective::delta_bpb_gap;
  c.why = "Objective: delta_bpb gap of group '" + group + "' (group mean delta_bpb minus the reference's), because LR " +
          "disparity is " + (unstable ? "unstable for " + std::to_string(unstable) : "absent for " + std::to_string(missing)) +
          " of " + std::to_string(plans.size()) + " plans.";
  return c;
}

namespace {

std::string tag_string(const nlohmann::json& tags, const char* key) {
  if (!tags.is_object()) return "";
  auto it = tags.find(key);
  return it != tags.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::string plan_tag(const PlanEntry& p, const char* key) { return tag_string(p.tags, key); }

int tagged_layer(const PlanEntry& p) {
  const std::string axis = tag_string(p.tags, "axis");
  if (axis != "layer" && axis != "layers") return -1;
  const nlohmann::json* n = nullptr;
  if (auto it = p.tags.find("layer"); it != p.tags.end()) n = &*it;
  else if (auto ls = p.tags.find("layers"); ls != p.tags.end() && ls->is_array() && ls->size() == 1) n = &(*ls)[0];
  if (!n || !n->is_number_integer() || n->get<int64_t>() < 0) return -1;
  return static_cast<int>(n->get<int64_t>());
}

namespace {

// "int4" from a plan line "base=int4; keep fp16 layers=3"; "" if the line does not start so.
std::string base_format(const std::string& line) {
  if (line.rfind("base=", 0) != 0) return "";
  const size_t end = line.find_first_of("; \t", 5);
  return line.substr(5, end == std::string::npos ? std::string::npos : end - 5);
}

}  // namespace

std::string find_base_plan(const Dataset& d, const std::vector<const PlanEntry*>& layer_plans) {
  std::vector<std::string> tagged, zero, same_base;
  std::string base;
  for (const PlanEntry* p : layer_plans) {
    const std::string b = base_format(p->description);
    if (b.empty() || (!base.empty() && b != base)) {
      base.clear();
      break;
    }
    base = b;
  }
  for (size_t i = 1; i < d.plans.size(); ++i) {
    const auto& p = d.plans[i];
    if (tag_string(p.tags, "axis") == "base") tagged.push_back(p.name);
    if (p.overhead == 0 && tagged_layer(p) < 0) {
      zero.push_back(p.name);
      // The base alone: its plan line is just "base=<the layer plans' base>".
      if (!base.empty() && p.description == "base=" + base) same_base.push_back(p.name);
    }
  }
  if (tagged.size() == 1) return tagged.front();
  if (!tagged.empty()) return "";
  if (!same_base.empty()) return same_base.front();  // several names for one plan line are one plan
  if (zero.size() == 1) return zero.front();
  return "";
}

std::vector<double> objective_samples(const GroupRow* g, Objective o, double point) {
  const std::vector<double>* r = g ? objective_replicates(*g, o) : nullptr;
  if (!r) return {};
  for (double x : *r)
    if (!std::isfinite(x)) return {};
  std::vector<double> v{point};
  v.insert(v.end(), r->begin(), r->end());
  return v;
}

namespace {

// Rank intervals among the layer plans, and criticality intervals when the base pairs with them.
// Replicates pair only within one file: another file resampled other units (or other languages).
void add_paired_intervals(const Dataset& d, const std::string& group, CriticalitySeries& s) {
  constexpr double kConfidence = 0.95;  // the level every comparison file states in "interval"
  PlanSamples layers;
  const std::string& source = d.plan(s.points.front().plan)->source;
  for (const LayerPoint& p : s.points) {
    std::vector<double> v = objective_samples(d.group_row(p.plan, group), s.objective, p.objective);
    if (v.empty() || d.plan(p.plan)->source != source || (!layers.empty() && v.size() != layers[0].size())) {
      s.interval_note = "No intervals on criticality or rank: the layer plans do not all have finite bootstrap "
                        "replicates from one file (rerun them as one sweep or eval with --bootstrap).";
      return;
    }
    layers.push_back(std::move(v));
  }
  std::vector<size_t> items(layers.size());
  std::iota(items.begin(), items.end(), 0);
  // criticality = base - objective with one base per replicate, so the most critical layer is
  // the one with the lowest objective: rank ascending.
  const std::vector<Estimate> ranks = PairedReplicates(layers, kConfidence).ranks(items, false);
  for (size_t i = 0; i < ranks.size(); ++i) s.points[i].rank = {ranks[i].value, ranks[i].lo, ranks[i].hi, false};
  const PlanEntry* base = d.plan(s.base_plan);
  std::vector<double> b = objective_samples(d.group_row(s.base_plan, group), s.objective, s.base_objective);
  if (base->source != source) {
    s.interval_note = "Criticality has no interval: the base plan \"" + s.base_plan + "\" comes from " + base->source +
                      ", the layer plans from " + source + ", and replicates of two files do not pair (rerun the base "
                      "in the same sweep for one); the ranks are paired among the layer plans.";
    return;
  }
  if (b.size() != layers[0].size()) {
    s.interval_note = "Criticality has no interval: the base plan \"" + s.base_plan + "\" has no finite bootstrap "
                      "replicates to pair with the layer plans'; the ranks are paired among the layer plans.";
    return;
  }
  layers.insert(layers.begin(), std::move(b));
  const PairedReplicates paired(std::move(layers), kConfidence);
  for (size_t i = 0; i < s.points.size(); ++i) {
    const Estimate e = paired.difference(0, i + 1);
    s.points[i].criticality_lo = e.lo;
    s.points[i].criticality_hi = e.hi;
  }
}

}  // namespace

CriticalityResult criticality(const Dataset& d, const std::string& group) {
  CriticalityResult out;
  std::map<std::string, std::vector<const PlanEntry*>> by_component;
  std::vector<std::string> order;
  for (const auto& p : d.plans) {
    if (tagged_layer(p) < 0) continue;
    std::string c = tag_string(p.tags, "component");
    if (c.empty() || c == "all") c = "layer";
    if (!by_component.count(c)) order.push_back(c);
    by_component[c].push_back(&p);
  }
  if (order.empty()) {
    out.notes.push_back("No per-layer criticality chart: no plan is tagged {\"axis\":\"layer\",\"layer\":N} "
                        "(tags come from `langquant sweep --out` exports).");
    return out;
  }
  if (group.empty()) {
    out.notes.push_back("No per-layer criticality chart: the results have no language group.");
    return out;
  }
  for (const auto& comp : order) {
    const std::string base = find_base_plan(d, by_component[comp]);
    if (base.empty()) {
      out.notes.push_back("No per-layer criticality chart for " + comp + ": no base-only plan to measure improvements "
                          "against (one tagged {\"axis\":\"base\"}, or a plan that is just the layer plans' base "
                          "format, e.g. the preset 'none'; add one to the sweep or give its results as another input).");
      continue;
    }
    CriticalitySeries s;
    s.component = comp;
    s.base_plan = base;
    std::vector<std::string> names = {base};
    std::set<int> seen;
    std::vector<const PlanEntry*> plans;
    for (const PlanEntry* p : by_component[comp]) {
      if (!seen.insert(tagged_layer(*p)).second) {
        out.notes.push_back("Layer " + std::to_string(tagged_layer(*p)) + " (" + comp + ") has several plans; \"" +
                            p->name + "\" left out of the criticality chart.");
        continue;
      }
      plans.push_back(p);
      names.push_back(p->name);
    }
    const ObjectiveChoice choice = choose_objective(d, group, names);
    s.objective = choice.objective;
    s.why = choice.why;
    const GroupRow* bg = d.group_row(base, group);
    const Value bv = bg ? objective_value(*bg, s.objective) : Value{};
    if (!bv.finite()) {
      out.notes.push_back("No criticality chart for " + comp + ": the base plan \"" + base + "\" has no finite " +
                          objective_label(s.objective) + ".");
      continue;
    }
    s.base_objective = bv.value;
    for (const PlanEntry* p : plans) {
      const GroupRow* g = d.group_row(p->name, group);
      const Value v = g ? objective_value(*g, s.objective) : Value{};
      if (!v.finite()) {
        out.notes.push_back("Plan \"" + p->name + "\" has no finite " + objective_label(s.objective) +
                            "; left out of the criticality chart.");
        continue;
      }
      LayerPoint pt;
      pt.layer = tagged_layer(*p);
      pt.plan = p->name;
      pt.objective = v.value;
      pt.criticality = bv.value - v.value;
      s.points.push_back(std::move(pt));
    }
    std::sort(s.points.begin(), s.points.end(), [](const LayerPoint& a, const LayerPoint& b) { return a.layer < b.layer; });
    if (s.points.empty()) continue;
    add_paired_intervals(d, group, s);
    out.series.push_back(std::move(s));
  }
  return out;
}

ParetoData pareto(const Dataset& d, const std::string& group) {
  ParetoData out;
  std::vector<std::string> names;
  for (size_t i = 1; i < d.plans.size(); ++i)
    if (std::isfinite(d.plans[i].overhead)) names.push_back(d.plans[i].name);
  const ObjectiveChoice choice = choose_objective(d, group, names);
  out.objective = choice.objective;
  out.why = choice.why;
  std::vector<analysis::ParetoPoint> pts;
  for (const auto& n : names) {
    const GroupRow* g = d.group_row(n, group);
    const Value v = g ? objective_value(*g, out.objective) : Value{};
    if (!v.finite()) {
      out.skipped.push_back(n);
      continue;
    }
    out.points.push_back({n, d.plan(n)->overhead, v, false});
    pts.push_back({n, d.plan(n)->overhead, v.value});
  }
  for (size_t i : analysis::pareto_front(pts)) out.points[i].on_front = true;
  return out;
}

std::vector<StatCorrelation> stat_correlations(const nlohmann::json& stats, const std::string& src,
                                               const CriticalityResult& crit, std::vector<std::string>& notes,
                                               const analysis::CorrelationOptions& opt) {
  auto layers_it = stats.is_object() ? stats.find("layers") : stats.end();
  if (!stats.is_object() || layers_it == stats.end() || !layers_it->is_array())
    fail(src, "no \"layers\" array: not the output of `langquant stats --out`");
  // statistic -> layer -> value, in key order of the entries.
  std::map<std::string, std::map<int, double>> table;
  for (size_t i = 0; i < layers_it->size(); ++i) {
    const auto& e = (*layers_it)[i];
    const std::string where = src + ": layers[" + std::to_string(i) + "]";
    if (!e.is_object() || !e.contains("layer") || !e["layer"].is_number_integer())
      fail(where, "no integer \"layer\"");
    const int layer = e["layer"].get<int>();
    for (auto it = e.begin(); it != e.end(); ++it)
      // "n" and "tensors" count what was pooled; they describe the layer's size, not its weights.
      if (it.key() != "layer" && it.key() != "n" && it.key() != "tensors" && it.value().is_number() &&
          std::isfinite(it.value().get<double>()))
        table[it.key()][layer] = it.value().get<double>();
  }
  std::vector<StatCorrelation> out;
  for (const auto& s : crit.series) {
    for (const auto& [stat, values] : table) {
      StatCorrelation c;
      c.statistic = stat;
      c.component = s.component;
      for (const auto& p : s.points) {
        auto v = values.find(p.layer);
        if (v == values.end()) continue;
        c.layers.push_back(p.layer);
        c.x.push_back(v->second);
        c.y.push_back(p.criticality);
      }
      if (c.x.size() < 3) {
        notes.push_back("No correlation for " + stat + " vs " + s.component + " criticality: " +
                        std::to_string(c.x.size()) + " layers with both (3 needed).");
        continue;
      }
      c.pearson = analysis::pearson(c.x, c.y, opt);
      c.spearman = analysis::spearman(c.x, c.y, opt);
      if (!std::isfinite(c.pearson.r)) {
        notes.push_back("No correlation for " + stat + " vs " + s.component + " criticality: one of them is constant.");
        continue;
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace lq::report
