#include "jobs/correlate_job.h"

#include <cmath>

#include "analysis/pooled_correlation.h"
#include "core/error.h"
#include "core/number_text.h"
#include "jobs/output_files.h"

namespace lq::jobs {
namespace {

using json = nlohmann::json;

json to_json(const analysis::Correlation& c) {
  auto num = [](double v) { return std::isnan(v) ? json() : json(v); };
  return {{"method", c.method}, {"n", c.n}, {"r", num(c.r)}, {"lo", num(c.lo)}, {"hi", num(c.hi)},
          {"p_value", num(c.p_value)}};
}

std::vector<std::string> methods(const std::string& m) {
  if (m == "pearson" || m == "spearman") return {m};
  if (m == "both") return {"pearson", "spearman"};
  fail("--method " + m, "unknown (pearson, spearman or both)");
}

std::string table(const std::vector<analysis::Correlation>& cs) {
  std::string out = strprintf("%-9s %5s %9s %21s %10s\n", "method", "n", "r", "95% CI", "p (perm)");
  for (const auto& c : cs)
    out += strprintf("%-9s %5d %9.4f   [%8.4f, %8.4f] %10.4g\n", c.method.c_str(), c.n, c.r, c.lo, c.hi, c.p_value);
  return out;
}

}  // namespace

CorrelateResult run_correlate(const CorrelateSpec& s) {
  if (s.x.empty() || s.x.size() != s.y.size())
    fail("correlate", "give as many --y as --x (" + std::to_string(s.x.size()) + " --x, " + std::to_string(s.y.size()) +
                          " --y): each --x is correlated with the --y in the same position");
  OutputFiles outputs({s.out});
  CorrelateResult r;
  r.spec = s;
  std::vector<double> all_x, all_y;
  std::vector<int> group;
  for (size_t i = 0; i < s.x.size(); ++i) {
    CorrelateGroup g;
    g.x = analysis::read_series(s.x[i], s.key, s.languages);
    g.y = analysis::read_series(s.y[i], s.key, s.languages);
    g.pairs = analysis::join(g.x, g.y);
    if (g.pairs.keys.size() < 3)
      fail(s.y[i], "only " + std::to_string(g.pairs.keys.size()) + " keys in common with " + s.x[i] + " (need 3)");
    for (const auto& m : methods(s.method))
      g.correlations.push_back(m == "pearson" ? analysis::pearson(g.pairs.x, g.pairs.y, s.options)
                                              : analysis::spearman(g.pairs.x, g.pairs.y, s.options));
    all_x.insert(all_x.end(), g.pairs.x.begin(), g.pairs.x.end());
    all_y.insert(all_y.end(), g.pairs.y.begin(), g.pairs.y.end());
    group.insert(group.end(), g.pairs.x.size(), static_cast<int>(i));
    r.groups.push_back(std::move(g));
  }
  if (r.groups.size() > 1)
    for (const auto& m : methods(s.method))
      r.pooled.push_back(analysis::pooled_correlation(m, all_x, all_y, group, s.options));
  if (outputs.has(0)) outputs.write(0, r.to_json().dump(2) + "\n");
  outputs.commit();
  return r;
}

json CorrelateResult::to_json() const {
  auto group_json = [](const CorrelateGroup& g) {
    json j;
    j["x"] = {{"spec", g.x.spec}, {"keys", g.x.keys.size()}, {"skipped", g.x.skipped}};
    j["y"] = {{"spec", g.y.spec}, {"keys", g.y.keys.size()}, {"skipped", g.y.skipped}};
    for (const auto& c : g.correlations) j["correlations"].push_back(jobs::to_json(c));
    const std::string too_few = analysis::too_few_pairs(static_cast<int>(g.pairs.keys.size()));
    if (!too_few.empty()) j["too_few"] = too_few;
    for (size_t i = 0; i < g.pairs.keys.size(); ++i)
      j["pairs"].push_back({{"key", g.pairs.keys[i]}, {"x", g.pairs.x[i]}, {"y", g.pairs.y[i]}});
    return j;
  };
  json j;
  if (groups.size() == 1) {
    j = group_json(groups[0]);
  } else {
    for (const auto& g : groups) j["groups"].push_back(group_json(g));
    for (const auto& c : pooled) j["pooled"].push_back(jobs::to_json(c));
    j["pooling"] = "within-group: each x/y pair (group) centred on its own means (Spearman: ranked within the group), "
                   "r of the pooled deviations; bootstrap and permutations within groups";
  }
  j["interval"] = "95% percentile bootstrap over pairs, " + std::to_string(spec.options.bootstrap) + " resamples";
  j["p_value"] = "two-sided permutation test, " + std::to_string(spec.options.permutations) + " shuffles, (count+1)/(N+1)";
  j["seed"] = spec.options.seed;
  return j;
}

std::string CorrelateResult::to_text() const {
  std::string out;
  for (const auto& g : groups) {
    if (groups.size() > 1) out += strprintf("group %zu\n", static_cast<size_t>(&g - groups.data()) + 1);
    out += strprintf("x: %s (%zu keys, %d without a value)\ny: %s (%zu keys, %d without a value)\n%zu pairs joined by key\n\n",
                     g.x.spec.c_str(), g.x.keys.size(), g.x.skipped, g.y.spec.c_str(), g.y.keys.size(), g.y.skipped,
                     g.pairs.keys.size());
    out += table(g.correlations);
    const std::string too_few = analysis::too_few_pairs(static_cast<int>(g.pairs.keys.size()));
    if (!too_few.empty()) out += too_few + ".\n";
    if (groups.size() > 1) out += "\n";
  }
  if (!pooled.empty()) {
    out += strprintf("pooled over %zu groups (within-group: each group centred on its own means, Spearman ranked "
                     "within it; resampled and shuffled within groups)\n",
                     groups.size());
    out += table(pooled);
  }
  return out;
}

}  // namespace lq::jobs
