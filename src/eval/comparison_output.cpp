#include "eval/comparison_output.h"

#include "eval/estimate_json.h"

#include "core/schema_version.h"

#include <cmath>
#include <cstdio>

namespace lq {
namespace {

const PlanInfo& info(const ComparisonReport& r, const std::string& plan) {
  for (const auto& p : r.plans)
    if (p.name == plan) return p;
  return r.plans.front();
}

void put_ratio(nlohmann::json& j, const std::string& key, const RatioEstimate& r) {
  if (r.unstable) {
    j[key] = j[key + "_lo"] = j[key + "_hi"] = nullptr;
  } else {
    put_estimate(j, key, r.e);
  }
  j[key + "_unstable"] = r.unstable;
}

std::string fmt(double v, const char* f = "%.4g") {
  if (!std::isfinite(v)) return "";
  char b[48];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string with_ci(const Estimate& e, const char* f = "%.3g") {
  if (!std::isfinite(e.value)) return "n/a";
  if (!std::isfinite(e.lo) || !std::isfinite(e.hi)) return fmt(e.value, f);  // no replicates: no interval
  return fmt(e.value, f) + " [" + fmt(e.lo, f) + ", " + fmt(e.hi, f) + "]";
}

// NaN and infinities (a degradation ratio over a reference that did not degrade) as null.
nlohmann::json finite_or_null(const std::vector<double>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (double x : v) a.push_back(std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr));
  return a;
}

std::string ratio_text(const RatioEstimate& r) { return r.unstable ? "unstable" : with_ci(r.e) + "x"; }

}  // namespace

nlohmann::json comparison_json(const ComparisonReport& r) {
  nlohmann::json j;
  j["model"] = r.model;
  j["corpus"] = r.corpus;
  j["mode"] = r.mode;
  j["n_ctx"] = r.n_ctx;
  j["bos"] = r.bos;
  if (r.truncated) j["truncated_units"] = r.truncated;
  j["reference_language"] = r.reference;
  j["interval"] = "95% paired percentile bootstrap over units, " + std::to_string(r.replicates) + " replicates";
  for (const auto& p : r.plans)
    j["plans"].push_back({{"name", p.name}, {"plan", p.description}, {"overhead", p.overhead},
                          {"size_bytes", p.size_bytes}, {"bits_per_weight", p.bits_per_weight}});
  j["rows"] = nlohmann::json::array();
  for (const auto& row : r.comparison.rows) {
    nlohmann::json x = {{"plan", row.plan},     {"lang", row.lang},   {"units", row.units},
                        {"tokens", row.tokens}, {"bytes", row.bytes}, {"chars", row.chars}};
    put_estimate(x, "nll", row.nll);
    put_estimate(x, "ppl", row.ppl);
    put_estimate(x, "bpb", row.bpb);
    put_estimate(x, "degradation", row.degradation);
    put_ratio(x, "disparity", row.disparity);
    put_ratio(x, "nll_disparity", row.nll_disparity);
    put_estimate(x, "delta_bpb", row.delta_bpb);
    put_estimate(x, "kl", row.kl);
    put_estimate(x, "top1", row.top1);
    x["overhead"] = info(r, row.plan).overhead;
    x["size_bytes"] = info(r, row.plan).size_bytes;
    j["rows"].push_back(std::move(x));
  }
  j["groups"] = nlohmann::json::array();
  for (const auto& g : r.comparison.group_rows) {
    nlohmann::json x = {{"plan", g.plan}, {"group", g.group}};
    if (g.lr_disparity) put_ratio(x, "lr_disparity", *g.lr_disparity);
    put_estimate(x, "delta_bpb", g.delta_bpb);
    put_estimate(x, "delta_bpb_gap", g.delta_bpb_gap);
    put_estimate(x, "kl", g.kl);
    if (r.replicates > 0) {
      nlohmann::json reps = {{"delta_bpb", finite_or_null(g.replicates.delta_bpb)},
                             {"delta_bpb_gap", finite_or_null(g.replicates.delta_bpb_gap)},
                             {"kl", finite_or_null(g.replicates.kl)}};
      if (g.lr_disparity) reps["lr_disparity"] = finite_or_null(g.replicates.lr_disparity);
      x["replicates"] = std::move(reps);
    }
    j["groups"].push_back(std::move(x));
  }
  if (r.replicates > 0)
    j["bootstrap"] = {{"replicates", r.replicates},
                      {"seed", r.seed},
                      {"paired", "replicate r of every plan and language is measured on the same resample of units "
                                 "(the same draw for languages of equal size), so group replicates of two plans "
                                 "differenced, ranked or summed replicate by replicate give paired intervals"}};
  stamp_schema_version(j, kComparisonSchemaVersion);
  return j;
}

std::string comparison_csv(const ComparisonReport& r) {
  static const char* kEst[] = {"nll", "ppl", "bpb", "degradation", "disparity", "nll_disparity", "delta_bpb", "kl", "top1"};
  std::string out = "plan,lang,units,tokens,bytes,chars";
  for (const char* k : kEst) out += std::string(",") + k + "," + k + "_lo," + k + "_hi";
  out += ",disparity_unstable,nll_disparity_unstable,overhead,size_bytes\n";
  const nlohmann::json j = comparison_json(r);
  for (const auto& row : j["rows"]) {
    auto cell = [](const nlohmann::json& v) {
      if (v.is_null()) return std::string();
      if (v.is_string()) return v.get<std::string>();
      if (v.is_boolean()) return std::string(v.get<bool>() ? "true" : "false");
      if (v.is_number_float()) return fmt(v.get<double>(), "%.10g");
      return v.dump();
    };
    std::string line = "\"" + row["plan"].get<std::string>() + "\"," + row["lang"].get<std::string>();
    for (const char* k : {"units", "tokens", "bytes", "chars"}) line += "," + cell(row[k]);
    for (const char* k : kEst)
      for (const char* suf : {"", "_lo", "_hi"}) line += "," + cell(row.value(std::string(k) + suf, nlohmann::json()));
    line += "," + cell(row.value("disparity_unstable", nlohmann::json(false))) + "," +
            cell(row.value("nll_disparity_unstable", nlohmann::json(false))) + "," + cell(row["overhead"]) + "," +
            cell(row["size_bytes"]);
    out += line + "\n";
  }
  return out;
}

std::string comparison_markdown(const ComparisonReport& r) {
  std::string md = "# Quantization plans vs full precision\n\nModel `" + r.model + "`, corpus `" + r.corpus + "`, " +
                   r.mode + " mode, context " + std::to_string(r.n_ctx) + ". Reference language: " + r.reference +
                   ". Intervals: 95% paired bootstrap (" + std::to_string(r.replicates) +
                   " replicates); 'unstable' = the reference's degradation interval contains 0, so the ratio is "
                   "not a number.\n\n";
  if (r.truncated)
    md += std::to_string(r.truncated) + " sentence" + (r.truncated == 1 ? " was" : "s were") +
          " longer than the context and cut to it: only their first " + std::to_string(r.n_ctx) +
          " tokens were scored.\n\n";
  md += "## Strategies (group `" + r.primary_group + "`)\n\n";
  md += "| strategy | overhead | size | bits/weight | LR disparity | LR delta_bpb gap | LR KL |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& p : r.plans) {
    if (p.name == r.plans.front().name) continue;
    const PlanGroupRow* g = nullptr;
    for (const auto& x : r.comparison.group_rows)
      if (x.plan == p.name && x.group == r.primary_group) g = &x;
    md += "| " + p.name + " | " + fmt(100 * p.overhead, "%.2f") + "% | " + fmt(p.size_bytes / 1e6, "%.1f") +
          " MB | " + fmt(p.bits_per_weight, "%.2f") + " | " +
          (g && g->lr_disparity ? ratio_text(*g->lr_disparity) : "n/a") + " | " +
          (g ? with_ci(g->delta_bpb_gap) : "n/a") + " | " + (g ? with_ci(g->kl) : "n/a") + " |\n";
  }
  md += "\n## Per language\n\n| plan | lang | ppl | degradation | disparity | delta_bpb | KL | top-1 |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& row : r.comparison.rows)
    md += "| " + row.plan + " | " + row.lang + " | " + with_ci(row.ppl, "%.4g") + " | " +
          (row.plan == r.plans.front().name ? "" : with_ci(row.degradation)) + " | " +
          (row.plan == r.plans.front().name ? "" : ratio_text(row.disparity)) + " | " +
          (row.plan == r.plans.front().name ? "" : with_ci(row.delta_bpb)) + " | " +
          (row.plan == r.plans.front().name ? "" : with_ci(row.kl)) + " | " +
          (row.plan == r.plans.front().name ? "" : with_ci(row.top1)) + " |\n";
  return md;
}

}  // namespace lq
