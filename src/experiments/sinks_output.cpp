// JSON, Markdown and CSV of `langquant sinks` (declared in sinks_job.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "eval/estimate_json.h"
#include "experiments/sinks_job.h"

namespace lq {
namespace {

std::string fmt(double v, const char* f = "%.3f") {
  if (!std::isfinite(v)) return "n/a";
  char b[40];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string csv_num(double v) { return std::isfinite(v) ? fmt(v, "%.17g") : ""; }

nlohmann::json correlation_json(const analysis::Correlation& c) {
  return {{"method", c.method}, {"n", c.n}, {"r", finite_or_null(c.r)}, {"r_lo", finite_or_null(c.lo)},
          {"r_hi", finite_or_null(c.hi)}, {"p_value", finite_or_null(c.p_value)}};
}

std::string correlation_text(const analysis::Correlation& c) {
  return c.method + " r = " + fmt(c.r, "%.2f") + " [" + fmt(c.lo, "%.2f") + ", " + fmt(c.hi, "%.2f") +
         "], permutation p = " + fmt(c.p_value, "%.3g") + ", n = " + std::to_string(c.n);
}

double pooled(const analysis::SinkTable& t, size_t l, size_t h, bool first) {
  double s = 0;
  int64_t q = 0;
  for (const auto& lang : t) {
    s += first ? lang[l][h].first_sum : lang[l][h].other_sum;
    q += lang[l][h].queries;
  }
  return q ? s / static_cast<double>(q) : NAN;
}

}  // namespace

nlohmann::json sinks_json(const SinksReport& r) {
  using json = nlohmann::json;
  json j;
  j["schema_version"] = kSinksSchemaVersion;
  j["kind"] = "langquant.sinks";
  j["model"] = r.model;
  j["corpus"] = r.corpus;
  j["plan"] = r.plan.empty() ? json() : json({{"name", r.plan}, {"line", r.plan_line}});
  j["n_layer"] = r.n_layer;
  j["n_head"] = r.n_head;
  j["sentences_per_language"] = r.sentences_per_language;
  j["threshold"] = r.threshold;
  j["definitions"] = {
      {"queries", "query positions i >= 1 of every sentence (position 0 = BOS when the model has one)"},
      {"first", "mean over queries of the attention weight on position 0"},
      {"other", "mean over queries of the weight on secondary sink keys j (1 <= j < i): keys that receive on "
                "average >= threshold of the attention of the later queries of their sentence"},
      {"head_outlier_ratio", "max |w| / rms over the head's q, k, v rows and attn_output columns (FP weights)"},
      {"delta_nll", "NLL(plan) - NLL(FP), nats per token, paired bootstrap over sentences"}};
  for (size_t lang = 0; lang < r.languages.size(); ++lang) {
    json e = {{"lang", r.languages[lang]}};
    if (!r.delta_nll.empty()) put_estimate(e, "delta_nll", r.delta_nll[lang]);
    for (size_t l = 0; l < r.fp[lang].size(); ++l)
      for (size_t h = 0; h < r.fp[lang][l].size(); ++h) {
        const auto& f = r.fp[lang][l][h];
        json x = {{"layer", l}, {"head", h}, {"queries", f.queries}, {"first", f.first()}, {"other", f.other()}};
        if (!r.planned.empty()) {
          x["first_plan"] = r.planned[lang][l][h].first();
          x["other_plan"] = r.planned[lang][l][h].other();
        }
        e["heads"].push_back(std::move(x));
      }
    j["languages"].push_back(std::move(e));
  }
  for (size_t l = 0; l < r.head_outlier.size(); ++l)
    for (size_t h = 0; h < r.head_outlier[l].size(); ++h)
      j["heads"].push_back({{"layer", l}, {"head", h}, {"first", finite_or_null(pooled(r.fp, l, h, true))},
                            {"other", finite_or_null(pooled(r.fp, l, h, false))},
                            {"outlier_ratio", finite_or_null(r.head_outlier[l][h])}});
  j["correlations"] = json::array();
  for (const auto& c : r.correlations)
    j["correlations"].push_back({{"x", c.x}, {"y", c.y}, {"over", c.over}, {"spearman", correlation_json(c.spearman)},
                                 {"pearson", correlation_json(c.pearson)}});
  return j;
}

std::string sinks_markdown(const SinksReport& r) {
  std::ostringstream o;
  o << "# Attention sinks: " << r.model << "\n\nCorpus " << r.corpus << ", "
    << (r.sentences_per_language ? "the first " + std::to_string(r.sentences_per_language) + " (at most)" : "all")
    << " sentences per language"
    << (r.plan.empty() ? "" : "; plan " + r.plan) << ".\n\n## Answer\n\n";
  // The strongest first-token heads, pooled over languages.
  std::vector<std::pair<double, std::string>> heads;
  for (size_t l = 0; l < r.head_outlier.size(); ++l)
    for (size_t h = 0; h < r.head_outlier[l].size(); ++h)
      heads.push_back({pooled(r.fp, l, h, true), "L" + std::to_string(l) + "H" + std::to_string(h)});
  std::sort(heads.begin(), heads.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  o << "- Heads with the most attention on the first token (all languages):";
  for (size_t i = 0; i < std::min<size_t>(3, heads.size()); ++i)
    o << (i ? "," : "") << " " << heads[i].second << " " << fmt(heads[i].first);
  o << ".\n";
  for (const auto& c : r.correlations)
    o << "- " << c.x << " vs " << c.y << " across " << c.over << ": " << correlation_text(c.spearman) << " ("
      << correlation_text(c.pearson) << ")"
      << (std::isfinite(c.spearman.lo) && c.spearman.lo <= 0 && c.spearman.hi >= 0
              ? "; the interval contains 0: no relation shown"
              : "")
      << ".\n";
  o << "\nfirst = mean attention weight on position 0 over query positions >= 1; other = mean weight on secondary "
       "sink keys (keys receiving >= "
    << fmt(r.threshold, "%.2g") << " of the later queries' attention on average).\n\n## First-token share per head\n\n| head |";
  for (const auto& lang : r.languages) o << " " << lang << " |";
  o << " outlier ratio |\n|---|";
  for (size_t i = 0; i <= r.languages.size(); ++i) o << "---:|";
  o << "\n";
  for (size_t l = 0; l < r.head_outlier.size(); ++l)
    for (size_t h = 0; h < r.head_outlier[l].size(); ++h) {
      o << "| L" << l << "H" << h << " |";
      for (size_t lang = 0; lang < r.languages.size(); ++lang) {
        o << " " << fmt(r.fp[lang][l][h].first());
        if (!r.planned.empty()) o << " (" << fmt(r.planned[lang][l][h].first() - r.fp[lang][l][h].first(), "%+.3f") << ")";
        o << " |";
      }
      o << " " << fmt(r.head_outlier[l][h], "%.1f") << " |\n";
    }
  if (!r.planned.empty()) o << "\nIn brackets: the change under the plan.\n";
  if (!r.delta_nll.empty()) {
    o << "\n## Loss under the plan\n\n| language | mean first share | delta NLL [95%] |\n|---|---:|---:|\n";
    for (size_t lang = 0; lang < r.languages.size(); ++lang) {
      double s = 0;
      int n = 0;
      for (const auto& layer : r.fp[lang])
        for (const auto& h : layer) s += h.first(), ++n;
      o << "| " << r.languages[lang] << " | " << fmt(n ? s / n : NAN) << " | " << fmt(r.delta_nll[lang].value, "%.4f")
        << " [" << fmt(r.delta_nll[lang].lo, "%.4f") << ", " << fmt(r.delta_nll[lang].hi, "%.4f") << "] |\n";
    }
  }
  return o.str();
}

std::string sinks_csv(const SinksReport& r) {
  std::ostringstream o;
  o << "lang,layer,head,queries,first,other,first_plan,other_plan,outlier_ratio\n";
  for (size_t lang = 0; lang < r.languages.size(); ++lang)
    for (size_t l = 0; l < r.fp[lang].size(); ++l)
      for (size_t h = 0; h < r.fp[lang][l].size(); ++h) {
        const auto& f = r.fp[lang][l][h];
        o << r.languages[lang] << "," << l << "," << h << "," << f.queries << "," << csv_num(f.first()) << ","
          << csv_num(f.other()) << ","
          << (r.planned.empty() ? "" : csv_num(r.planned[lang][l][h].first())) << ","
          << (r.planned.empty() ? "" : csv_num(r.planned[lang][l][h].other())) << ","
          << csv_num(r.head_outlier[l][h]) << "\n";
      }
  return o.str();
}

}  // namespace lq
