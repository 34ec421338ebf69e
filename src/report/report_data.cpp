#include "report/report_data.h"

#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/json_file.h"
#include "core/schema_version.h"
#include "eval/comparison_output.h"
#include "report/json_fields.h"

namespace lq::report {
namespace {

using nlohmann::json;

Value estimate(const json& obj, const std::string& key, const std::string& where) {
  Value v{json_number(obj, key, where), json_number(obj, key + "_lo", where), json_number(obj, key + "_hi", where), false};
  auto u = obj.find(key + "_unstable");
  if (u != obj.end()) {
    if (!u->is_boolean()) fail(where, "\"" + key + "_unstable\" is not true/false");
    v.unstable = u->get<bool>();
  }
  return v;
}

// "replicates": {"kl": [..], ...}, each an array of numbers or nulls (NaN).
std::map<std::string, std::vector<double>> replicates(const json& obj, const std::string& where) {
  std::map<std::string, std::vector<double>> out;
  auto it = obj.find("replicates");
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_object()) fail(where, "\"replicates\" is not an object");
  for (const auto& [key, values] : it->items()) {
    if (!values.is_array()) fail(where, "\"replicates\".\"" + key + "\" is not an array");
    auto& v = out[key];
    v.reserve(values.size());
    for (const auto& x : values) {
      if (!x.is_null() && !x.is_number()) fail(where, "\"replicates\".\"" + key + "\" holds a non-number");
      v.push_back(x.is_null() ? kNaN : x.get<double>());
    }
  }
  return out;
}

const json& array_at(const json& j, const std::string& key, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) fail(source, "no \"" + key + "\" array: not a comparison from eval --plan --out or sweep --out");
  return *it;
}

}  // namespace

const PlanEntry* Dataset::plan(const std::string& name) const {
  for (const auto& p : plans)
    if (p.name == name) return &p;
  return nullptr;
}

const GroupRow* Dataset::group_row(const std::string& p, const std::string& g) const {
  for (const auto& r : groups)
    if (r.plan == p && r.group == g) return &r;
  return nullptr;
}

const LangRow* Dataset::row(const std::string& p, const std::string& lang) const {
  for (const auto& r : rows)
    if (r.plan == p && r.lang == lang) return &r;
  return nullptr;
}

std::vector<std::string> Dataset::languages() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& r : rows)
    if (seen.insert(r.lang).second) out.push_back(r.lang);
  return out;
}

std::vector<std::string> Dataset::group_names() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& r : groups)
    if (seen.insert(r.group).second) out.push_back(r.group);
  return out;
}

Dataset parse_comparison(const json& j, const std::string& source) {
  if (!j.is_object()) fail(source, "not a JSON object: not a comparison from eval --plan --out or sweep --out");
  Dataset d;
  d.sources = {source};
  d.model = json_text(j, "model", source);
  d.corpus = json_text(j, "corpus", source);
  d.mode = json_text(j, "mode", source);
  d.reference = json_text(j, "reference_language", source);
  d.interval = json_text(j, "interval", source, false);
  const double ctx = json_number(j, "n_ctx", source);
  d.n_ctx = std::isfinite(ctx) ? static_cast<int>(ctx) : 0;
  std::set<std::string> names;
  for (const auto& p : array_at(j, "plans", source)) {
    const std::string where = source + ": plans[" + std::to_string(d.plans.size()) + "]";
    if (!p.is_object()) fail(where, "not an object");
    PlanEntry e;
    e.name = json_text(p, "name", where);
    e.description = json_text(p, "plan", where, false);
    e.overhead = json_number(p, "overhead", where);
    e.size_bytes = json_number(p, "size_bytes", where);
    e.bits_per_weight = json_number(p, "bits_per_weight", where);
    if (auto t = p.find("tags"); t != p.end() && !t->is_null()) {
      if (!t->is_object()) fail(where, "\"tags\" is not an object");
      e.tags = *t;
    }
    e.source = source;
    if (!names.insert(e.name).second) fail(where, "plan \"" + e.name + "\" listed twice");
    d.plans.push_back(std::move(e));
  }
  if (d.plans.empty()) fail(source, "\"plans\" is empty (the first plan must be full precision)");
  const json& rows = array_at(j, "rows", source);
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string where = source + ": rows[" + std::to_string(i) + "]";
    const json& r = rows[i];
    if (!r.is_object()) fail(where, "not an object");
    LangRow x;
    x.plan = json_text(r, "plan", where);
    x.lang = json_text(r, "lang", where);
    if (!names.count(x.plan)) fail(where, "plan \"" + x.plan + "\" is not in \"plans\"");
    x.ppl = estimate(r, "ppl", where);
    x.degradation = estimate(r, "degradation", where);
    x.disparity = estimate(r, "disparity", where);
    x.nll_disparity = estimate(r, "nll_disparity", where);
    x.delta_bpb = estimate(r, "delta_bpb", where);
    x.kl = estimate(r, "kl", where);
    x.top1 = estimate(r, "top1", where);
    d.rows.push_back(std::move(x));
  }
  if (auto g = j.find("groups"); g != j.end() && !g->is_null()) {
    if (!g->is_array()) fail(source, "\"groups\" is not an array");
    for (size_t i = 0; i < g->size(); ++i) {
      const std::string where = source + ": groups[" + std::to_string(i) + "]";
      const json& r = (*g)[i];
      if (!r.is_object()) fail(where, "not an object");
      GroupRow x;
      x.plan = json_text(r, "plan", where);
      x.group = json_text(r, "group", where);
      if (!names.count(x.plan)) fail(where, "plan \"" + x.plan + "\" is not in \"plans\"");
      if (r.contains("lr_disparity") || r.contains("lr_disparity_unstable")) x.lr_disparity = estimate(r, "lr_disparity", where);
      x.delta_bpb = estimate(r, "delta_bpb", where);
      x.delta_bpb_gap = estimate(r, "delta_bpb_gap", where);
      x.kl = estimate(r, "kl", where);
      x.replicates = replicates(r, where);
      d.groups.push_back(std::move(x));
    }
  }
  if (auto s = j.find("sweep"); s != j.end() && !s->is_null()) d.sweeps.push_back(*s);
  return d;
}

Dataset load_comparison(const std::string& path) {
  const json j = read_json_file(path);
  check_schema_version(j, path, "comparison result", kComparisonSchemaVersion);
  return parse_comparison(j, path);
}

std::vector<Dataset> merge_datasets(std::vector<Dataset> files) {
  std::vector<Dataset> out;
  for (auto& f : files) {
    Dataset* into = nullptr;
    for (auto& d : out)
      if (d.model == f.model && d.corpus == f.corpus && d.mode == f.mode && d.n_ctx == f.n_ctx &&
          d.reference == f.reference)
        into = &d;
    if (!into) {
      out.push_back(std::move(f));
      continue;
    }
    const std::string& src = f.sources.front();
    std::set<std::string> skip;
    for (size_t i = 0; i < f.plans.size(); ++i) {
      auto& p = f.plans[i];
      // Every file's first plan is full precision: the same measurement under any name.
      const PlanEntry* old = i == 0 ? &into->plans.front() : into->plan(p.name);
      if (!old) {
        into->plans.push_back(p);
        continue;
      }
      if (i > 0 && old->description != p.description)
        fail(src, "plan \"" + p.name + "\" is \"" + p.description + "\" here but \"" + old->description + "\" in " +
                      old->source + ": rename one of them");
      if (i > 0) into->notes.push_back("plan \"" + p.name + "\" of " + src + " also in " + old->source + ": the first kept");
      skip.insert(p.name);
    }
    for (auto& r : f.rows)
      if (!skip.count(r.plan)) into->rows.push_back(std::move(r));
    for (auto& g : f.groups)
      if (!skip.count(g.plan)) into->groups.push_back(std::move(g));
    for (auto& s : f.sweeps) into->sweeps.push_back(std::move(s));
    into->sources.push_back(src);
  }
  return out;
}

}  // namespace lq::report
