// langquant correlate --x SPEC --y SPEC: Pearson and Spearman correlation of two keyed series
// (per layer, per language, ...) from CSV or JSON files, with bootstrap intervals and
// permutation p-values.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "analysis/correlation.h"
#include "analysis/series.h"
#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"

namespace lq::cli {
namespace {

struct CorrelateArgs {
  std::string x, y, key, method = "both", out;
  analysis::CorrelationOptions opts;
  bool json = false;
};

nlohmann::json to_json(const analysis::Correlation& c) {
  auto num = [](double v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); };
  return {{"method", c.method}, {"n", c.n}, {"r", num(c.r)}, {"lo", num(c.lo)}, {"hi", num(c.hi)},
          {"p_value", num(c.p_value)}};
}

void run_correlate(const CorrelateArgs& a) {
  const auto xs = analysis::read_series(a.x, a.key);
  const auto ys = analysis::read_series(a.y, a.key);
  const auto p = analysis::join(xs, ys);
  if (p.keys.size() < 3)
    fail(a.y, "only " + std::to_string(p.keys.size()) + " keys in common with " + a.x + " (need 3)");
  std::vector<analysis::Correlation> results;
  if (a.method != "spearman") results.push_back(analysis::pearson(p.x, p.y, a.opts));
  if (a.method != "pearson") results.push_back(analysis::spearman(p.x, p.y, a.opts));

  nlohmann::json j;
  j["x"] = {{"spec", a.x}, {"keys", xs.keys.size()}, {"skipped", xs.skipped}};
  j["y"] = {{"spec", a.y}, {"keys", ys.keys.size()}, {"skipped", ys.skipped}};
  j["interval"] = "95% percentile bootstrap over pairs, " + std::to_string(a.opts.bootstrap) + " resamples";
  j["p_value"] = "two-sided permutation test, " + std::to_string(a.opts.permutations) + " shuffles, (count+1)/(N+1)";
  j["seed"] = a.opts.seed;
  for (const auto& c : results) j["correlations"].push_back(to_json(c));
  for (size_t i = 0; i < p.keys.size(); ++i) j["pairs"].push_back({{"key", p.keys[i]}, {"x", p.x[i]}, {"y", p.y[i]}});
  if (!a.out.empty()) {
    AtomicFile f(a.out);
    f.stream() << j.dump(2) << "\n";
    f.commit();
  }
  if (a.json) {
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::printf("x: %s (%zu keys, %d without a value)\ny: %s (%zu keys, %d without a value)\n%zu pairs joined by key\n\n",
              a.x.c_str(), xs.keys.size(), xs.skipped, a.y.c_str(), ys.keys.size(), ys.skipped, p.keys.size());
  std::printf("%-9s %5s %9s %21s %10s\n", "method", "n", "r", "95% CI", "p (perm)");
  for (const auto& c : results)
    std::printf("%-9s %5d %9.4f   [%8.4f, %8.4f] %10.4g\n", c.method.c_str(), c.n, c.r, c.lo, c.hi, c.p_value);
}

}  // namespace

void register_correlate(CLI::App& app) {
  auto a = std::make_shared<CorrelateArgs>();
  auto* cmd = app.add_subcommand(
      "correlate",
      "Correlate two keyed series (per layer, per language, ...) read from CSV or JSON files: Pearson and "
      "Spearman r with a bootstrap 95% interval and a permutation p-value");
  cmd->footer(
      "A series is  FILE[:FIELD][?COL=VALUE&...]\n"
      "  CSV: FIELD is the value column (default: the second column); the key is the first column.\n"
      "  JSON: FIELD is a dotted path to an array of records plus the value inside each\n"
      "        (stats.json:layers.variance) or to an object of numbers ({\"en\": 1.2, ...}).\n"
      "  ?COL=VALUE keeps only matching records (eval.csv:degradation?plan=int4).\n"
      "Keys: --key, else the first of layer, lang, language, name, key, tensor in the record.\n"
      "Records with an empty or null value (e.g. an unstable ratio) are skipped. Pairs are joined by key.\n"
      "Example: langquant correlate --x stats.json:layers.kurtosis --y sweep.csv:lr_disparity --method spearman");
  cmd->add_option("--x", a->x, "First series")->required();
  cmd->add_option("--y", a->y, "Second series")->required();
  cmd->add_option("--key", a->key, "Record field or column that keys both series (default: auto)");
  cmd->add_option("--method", a->method, "pearson, spearman or both")
      ->check(CLI::IsMember({"pearson", "spearman", "both"}));
  cmd->add_option("--bootstrap", a->opts.bootstrap, "Bootstrap resamples for the interval (0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--permutations", a->opts.permutations, "Shuffles for the p-value (0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", a->opts.seed, "Random seed (same seed, same interval and p-value)");
  cmd->add_flag("--json", a->json, "Print JSON (with the joined pairs) instead of a table");
  cmd->add_option("--out", a->out, "Also write the JSON to this file");
  cmd->callback([a] { run_correlate(*a); });
}

}  // namespace lq::cli
