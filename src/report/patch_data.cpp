#include "report/patch_data.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "core/error.h"
#include "core/json_file.h"
#include "core/schema_version.h"
#include "report/json_fields.h"

namespace lq::report {
namespace {

using nlohmann::json;

const json& array(const json& o, const std::string& key, const std::string& where) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_array()) fail(where, "no \"" + key + "\" array");
  return *it;
}

}  // namespace

bool PatchMatrix::has(const std::string& direction) const {
  for (const auto& [k, v] : share)
    if (std::get<0>(k) == direction) return true;
  return false;
}

const Value* PatchMatrix::at(const std::string& direction, const std::string& patch, const std::string& lang) const {
  auto it = share.find({direction, patch, lang});
  return it == share.end() ? nullptr : &it->second;
}

std::string PatchMatrix::answer() const {
  const std::string lang = std::find(langs.begin(), langs.end(), "all") != langs.end() ? "all" : langs.back();
  std::string out;
  for (const char* dir : {"restore", "inject"}) {
    const Value* best = nullptr;
    std::string best_patch;
    for (const auto& p : patches)
      if (const Value* v = at(dir, p, lang); v && v->finite() && (!best || v->value > best->value)) {
        best = v;
        best_patch = p;
      }
    if (!best) continue;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.0f%% [%.0f, %.0f]", 100 * best->value, 100 * best->lo, 100 * best->hi);
    out += (out.empty() ? "" : " ") + std::string(std::string(dir) == "restore" ? "Restoring " : "Injecting the plan at ") +
           best_patch + (std::string(dir) == "restore" ? " recovers " : " alone carries ") + buf +
           " of the plan's loss (" + (lang == "all" ? "all languages pooled" : lang) + ").";
  }
  return out;
}

PatchMatrix parse_patch(const json& j, const std::string& source) {
  if (!j.is_object() || j.value("kind", "") != "langquant.patch")
    fail(source, "not a result of 'langquant patch --out' (no \"kind\": \"langquant.patch\")");
  PatchMatrix m;
  m.source = source;
  m.model = json_text(j, "model", source);
  m.corpus = json_text(j, "corpus", source);
  if (auto p = j.find("plan"); p != j.end() && p->is_object()) m.plan = json_text(*p, "line", source + ": plan");
  const double sentences = json_number(j, "sentences_per_language", source);
  m.sentences = std::isfinite(sentences) && sentences >= 0 && sentences < 1e9 ? static_cast<int>(sentences) : 0;
  if (auto b = j.find("bootstrap"); b != j.end() && b->is_object()) {
    const double r = json_number(*b, "replicates", source + ": bootstrap");
    m.replicates = std::isfinite(r) && r >= 0 && r < 1e9 ? static_cast<int>(r) : 0;
  }
  std::set<std::string> seen_lang, seen_patch;
  const json& langs = array(j, "languages", source);
  for (size_t i = 0; i < langs.size(); ++i) {
    const std::string where = source + ": languages[" + std::to_string(i) + "]";
    const json& l = langs[i];
    if (!l.is_object()) fail(where, "not an object");
    const std::string lang = json_text(l, "lang", where);
    if (!seen_lang.insert(lang).second) fail(where, "language \"" + lang + "\" listed twice");
    m.langs.push_back(lang);
    m.delta_nll[lang] = {json_number(l, "delta_nll", where), json_number(l, "delta_nll_lo", where),
                         json_number(l, "delta_nll_hi", where), false};
    const json& runs = array(l, "runs", where);
    for (size_t r = 0; r < runs.size(); ++r) {
      const std::string at = where + ".runs[" + std::to_string(r) + "]";
      const json& x = runs[r];
      if (!x.is_object()) fail(at, "not an object");
      const std::string dir = json_text(x, "direction", at), patch = json_text(x, "patch", at);
      if (dir != "restore" && dir != "inject") fail(at, "direction \"" + dir + "\" is neither restore nor inject");
      if (seen_patch.insert(patch).second) m.patches.push_back(patch);
      Value v{json_number(x, "share", at), json_number(x, "share_lo", at), json_number(x, "share_hi", at), false};
      if (auto u = x.find("unstable"); u != x.end()) {
        if (!u->is_boolean()) fail(at, "\"unstable\" is not true/false");
        v.unstable = u->get<bool>();
      }
      if (!m.share.emplace(std::make_tuple(dir, patch, lang), v).second)
        fail(at, dir + " of \"" + patch + "\" listed twice for " + lang);
    }
  }
  if (m.langs.empty()) fail(source, "\"languages\" is empty");
  return m;
}

PatchMatrix load_patch(const std::string& path) {
  const json j = read_json_file(path);
  check_schema_version(j, path, "patch result", 1);
  return parse_patch(j, path);
}

}  // namespace lq::report
