#include "experiments/sweep_export.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "eval/comparison_output.h"

namespace lq::experiments {
namespace {

using nlohmann::json;

// LanguageScores of the units `keep` selects (all when empty), in unit order.
std::vector<LanguageScores> collect(const SweepSetup& st, const std::vector<std::vector<UnitResult>>& by_set,
                                    const std::vector<bool>& keep) {
  const size_t S = by_set.size();
  std::vector<LanguageScores> out(st.languages.size());
  for (size_t l = 0; l < out.size(); ++l) {
    out[l].lang = st.languages[l];
    out[l].nll.assign(S, {});
    out[l].kl.assign(S, {});
    out[l].top1.assign(S, {});
  }
  for (size_t u = 0; u < st.units.size(); ++u) {
    if (!keep.empty() && !keep[u]) continue;
    LanguageScores& ls = out[static_cast<size_t>(st.units[u].lang)];
    ls.tokens.push_back(by_set[0][u].tokens);
    ls.bytes.push_back(st.units[u].bytes);
    ls.chars.push_back(st.units[u].chars);
    for (size_t s = 0; s < S; ++s) {
      ls.nll[s].push_back(by_set[s][u].nll);
      ls.kl[s].push_back(by_set[s][u].kl);
      ls.top1[s].push_back(by_set[s][u].top1);
    }
  }
  return out;
}

}  // namespace

std::vector<int> length_buckets(const std::vector<UnitMeta>& units, size_t n_languages) {
  std::vector<int> bucket(units.size(), 1);
  for (size_t l = 0; l < n_languages; ++l) {
    std::vector<size_t> idx;
    for (size_t u = 0; u < units.size(); ++u)
      if (units[u].lang == static_cast<int>(l)) idx.push_back(u);
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return units[a].bytes < units[b].bytes; });
    const size_t third = idx.size() / 3;
    for (size_t r = 0; r < idx.size(); ++r) bucket[idx[r]] = r < third ? 0 : r >= idx.size() - third ? 2 : 1;
  }
  return bucket;
}

SweepExport export_sweep(SweepStore& store, const ExportOptions& opt) {
  const SweepSetup st = store.setup();
  const size_t S = st.plans.size() + 1;
  std::vector<std::vector<UnitResult>> by_set;
  for (size_t s = 0; s < S; ++s) by_set.push_back(store.results(static_cast<int>(s)));
  // Token counts come from the FP rows; every set scores the same tokens.
  for (size_t s = 1; s < S; ++s)
    for (size_t u = 0; u < st.units.size(); ++u)
      if (by_set[s][u].tokens != by_set[0][u].tokens) fail(store.path(), "damaged sweep database (token counts differ)");

  ComparisonOptions co;
  co.reference = opt.reference;
  co.bootstrap = opt.bootstrap;
  co.groups = opt.groups;
  for (const auto& [name, members] : co.groups)
    for (const auto& m : members)
      if (std::find(st.languages.begin(), st.languages.end(), m) == st.languages.end())
        fail("--group " + name, "names language '" + m + "' that the sweep's corpus does not have");
  if (!co.groups.count("lr")) co.groups["lr"] = default_low_resource(st.languages, opt.reference);

  std::vector<std::string> names = {"full-precision"};
  ComparisonReport rep;
  const json& sc = st.scoring;
  rep.model = sc.at("model").get<std::string>();
  rep.corpus = sc.at("corpus").get<std::string>();
  rep.mode = sc.at("mode").get<std::string>();
  rep.reference = opt.reference;
  rep.primary_group = "lr";
  rep.n_ctx = sc.at("n_ctx").get<int64_t>();
  rep.bos = sc.at("bos").get<bool>();
  rep.replicates = opt.bootstrap.replicates;
  rep.seed = opt.bootstrap.seed;
  PlanInfo fp;
  fp.name = "full-precision";
  fp.description = "checkpoint as stored";
  fp.size_bytes = sc.at("fp_size_bytes").get<uint64_t>();
  fp.bits_per_weight = sc.at("fp_bits_per_weight").get<double>();
  rep.plans.push_back(fp);
  for (const auto& p : st.plans) {
    PlanInfo pi;
    pi.name = p.at("name").get<std::string>();
    pi.description = p.at("plan").get<std::string>();
    pi.overhead = p.at("overhead").get<double>();
    pi.size_bytes = p.at("size_bytes").get<uint64_t>();
    pi.bits_per_weight = p.at("bits_per_weight").get<double>();
    rep.plans.push_back(pi);
    names.push_back(pi.name);
  }
  rep.comparison = compare_plans(collect(st, by_set, {}), names, co);

  json j = comparison_json(rep);
  j["plans"][0]["tags"] = json::object({{"axis", "reference"}});
  for (size_t i = 0; i < st.plans.size(); ++i) j["plans"][i + 1]["tags"] = st.plans[i].at("tags");
  json sweep = st.sweep;
  if (sweep.value("length_buckets", false)) {
    const auto bucket = length_buckets(st.units, st.languages.size());
    static const char* kNames[] = {"short", "medium", "long"};
    json list = json::array();
    for (int b = 0; b < 3; ++b) {
      std::vector<bool> keep(st.units.size());
      json bytes = json::object();
      for (size_t u = 0; u < keep.size(); ++u) {
        keep[u] = bucket[u] == b;
        if (!keep[u]) continue;
        json& range = bytes[st.languages[static_cast<size_t>(st.units[u].lang)]];
        const int64_t x = st.units[u].bytes;
        range = range.is_null() ? json::array({x, x})
                                : json::array({std::min(range[0].get<int64_t>(), x), std::max(range[1].get<int64_t>(), x)});
      }
      ComparisonReport br = rep;
      br.comparison = compare_plans(collect(st, by_set, keep), names, co);
      json bj = comparison_json(br);
      for (auto& g : bj["groups"]) g.erase("replicates");  // paired work reads the whole sweep's
      list.push_back({{"bucket", kNames[b]}, {"bytes", bytes}, {"rows", bj["rows"]}, {"groups", bj["groups"]}});
    }
    sweep["buckets"] = list;
  }
  j["sweep"] = sweep;
  SweepExport out;
  out.json = j.dump(2) + "\n";
  out.csv = comparison_csv(rep);
  out.md = comparison_markdown(rep);
  return out;
}

}  // namespace lq::experiments
