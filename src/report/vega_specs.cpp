#include "report/vega_specs.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "report/text_format.h"
#include "report/vega_helpers.h"

namespace lq::report {
namespace {

using nlohmann::json;
using namespace vega;  // NOLINT: the spec builders read as a small language here

struct MetricInfo {
  const char* label;
  const char* unit;
  double scale;  // degradation is stored as a fraction, drawn in %
};

Value metric_value(const LangRow& r, const std::string& m) {
  if (m == "degradation") return r.degradation;
  if (m == "delta_bpb") return r.delta_bpb;
  if (m == "kl") return r.kl;
  return r.top1;
}

}  // namespace

std::string context_caption(const Dataset& d) {
  std::string s = "Scoring: " + d.mode + " mode";
  if (d.mode == "stream") s += " (windows of " + std::to_string(d.n_ctx) + " tokens, second half scored)";
  s += "; corpus " + d.corpus + "; model " + d.model + "; reference language " + d.reference + "; intervals: " +
       (d.interval.empty() ? "not given in the input" : d.interval) + ".";
  return s;
}

Chart per_language_chart(const Dataset& d, const std::string& metric, const std::vector<std::string>& plans) {
  static const std::map<std::string, MetricInfo> kInfo = {
      {"degradation", {"degradation", "% of FP perplexity", 100}},
      {"delta_bpb", {"delta_bpb", "bits per byte", 1}},
      {"kl", {"KL(FP || plan)", "nats per token", 1}},
      {"top1", {"top-1 agreement with full precision", "share of tokens", 1}}};
  const MetricInfo& info = kInfo.at(metric);
  const auto langs = d.languages();
  Chart c;
  c.kind = "per-language";
  c.title = std::string("Per-language ") + info.label + " with 95% intervals";
  json values = json::array();
  for (const auto& p : plans)
    for (const auto& l : langs) {
      const LangRow* r = d.row(p, l);
      if (!r) continue;
      const Value v = metric_value(*r, metric);
      if (!v.finite()) continue;
      values.push_back({{"plan", p}, {"lang", l}, {"v", info.scale * v.value},
                        {"lo", num_or_null(info.scale * v.lo)}, {"hi", num_or_null(info.scale * v.hi)}});
      ++c.points;
    }
  const int width = std::clamp<int>(static_cast<int>(langs.size() * std::max<size_t>(28, 9 * plans.size())), 360, 1100);
  json s = base_spec(c.title, width, 260);
  s["data"] = json::array({{{"name", "points"}, {"values", values}},
                           {{"name", "bars"}, {"source", "points"},
                            {"transform", json::array({{{"type", "filter"}, {"expr", "datum.lo != null && datum.hi != null"}}})}}});
  // Degradation spans orders of magnitude and can be negative: a symmetric log keeps both visible.
  const bool symlog = metric == "degradation";
  s["scales"] = json::array(
      {{{"name", "x"}, {"type", "band"}, {"domain", langs}, {"range", "width"}, {"padding", 0.15}},
       {{"name", "dodge"}, {"type", "band"}, {"domain", plans}, {"range", {{"signal", "[0, bandwidth('x')]"}}}},
       {{"name", "y"}, {"type", symlog ? "symlog" : "linear"}, {"domain", {{"fields", json::array({
            {{"data", "points"}, {"field", "v"}}, {{"data", "bars"}, {"field", "lo"}}, {{"data", "bars"}, {"field", "hi"}}})}}},
        {"range", "height"}, {"nice", true}, {"zero", true}},
       {{"name", "color"}, {"type", "ordinal"}, {"domain", plans}, {"range", {{"scheme", plans.size() > 10 ? "category20" : "tableau10"}}}}});
  s["axes"] = json::array({axis("bottom", "x", "language"),
                           axis("left", "y", std::string(info.label) + " (" + info.unit + (symlog ? ", symlog" : "") + ")")});
  s["legends"] = json::array({{{"fill", "color"}, {"title", "plan"}, {"orient", "right"}, {"symbolType", "circle"}}});
  const json x = {{"scale", "x"}, {"field", "lang"}, {"offset", {{"scale", "dodge"}, {"field", "plan"}, {"band", 0.5}}}};
  s["marks"] = json::array();
  if (metric != "top1") s["marks"].push_back(hline(0));
  s["marks"].push_back({{"type", "rule"}, {"name", "lq-errorbar"}, {"from", {{"data", "bars"}}},
                        {"encode", {{"enter", {{"x", x}, {"y", field("y", "lo")}, {"y2", field("y", "hi")},
                                               {"stroke", field("color", "plan")}, {"strokeWidth", {{"value", 1.5}}}}}}}});
  s["marks"].push_back({{"type", "symbol"}, {"name", "lq-point"}, {"from", {{"data", "points"}}},
                        {"encode", {{"enter", {{"x", x}, {"y", field("y", "v")}, {"fill", field("color", "plan")},
                                               {"size", {{"value", 36}}}, {"shape", {{"value", "circle"}}}}}}}});
  c.caption = c.title + ": each point is one plan on one language, the bar its 95% interval. " + context_caption(d);
  c.spec = std::move(s);
  return c;
}

Chart criticality_chart(const Dataset& d, const CriticalitySeries& ser) {
  Chart c;
  c.kind = "criticality";
  const std::string what = ser.component == "layer" ? "layer" : ser.component + " of a layer";
  c.title = "Per-layer criticality (" + ser.component + "): reduction of " + objective_label(ser.objective) +
            " when one " + what + " is protected";
  json values = json::array(), layers = json::array();
  int anti = 0;
  for (const auto& p : ser.points) {
    const std::string kind = p.anti_critical() ? "anti-critical" : "critical";
    anti += p.anti_critical();
    json v = {{"layer", "L" + std::to_string(p.layer)}, {"crit", p.criticality}, {"kind", kind}, {"plan", p.plan}};
    if (std::isfinite(p.criticality_lo) && std::isfinite(p.criticality_hi)) {
      v["lo"] = p.criticality_lo;
      v["hi"] = p.criticality_hi;
    }
    if (p.rank.has_interval()) {  // for the tooltip and programs reading the spec
      v["rank"] = p.rank.value;
      v["rank_lo"] = p.rank.lo;
      v["rank_hi"] = p.rank.hi;
    }
    values.push_back(std::move(v));
    layers.push_back("L" + std::to_string(p.layer));
    ++c.points;
  }
  json s = base_spec(c.title, std::clamp<int>(40 * static_cast<int>(ser.points.size()), 360, 1100), 260);
  s["data"] = json::array({{{"name", "layers"}, {"values", values}},
                           {{"name", "anti"}, {"source", "layers"},
                            {"transform", json::array({{{"type", "filter"}, {"expr", "datum.kind === 'anti-critical'"}}})}},
                           {{"name", "ci"}, {"source", "layers"},
                            {"transform", json::array({{{"type", "filter"}, {"expr", "isValid(datum.lo)"}}})}}});
  s["scales"] = json::array(
      {{{"name", "x"}, {"type", "band"}, {"domain", layers}, {"range", "width"}, {"padding", 0.2}},
       {{"name", "y"}, {"type", "linear"}, {"domain", {{"data", "layers"}, {"fields", {"crit", "lo", "hi"}}}}, {"range", "height"},
        {"nice", true}, {"zero", true}},
       {{"name", "color"}, {"type", "ordinal"}, {"domain", {"critical", "anti-critical"}},
        {"range", {"#4c78a8", "#e45756"}}}});
  s["axes"] = json::array({axis("bottom", "x", "protected layer (one plan each)"),
                           axis("left", "y", "reduction of " + objective_label(ser.objective) + " (" +
                                                 objective_unit(ser.objective) + ")")});
  s["legends"] = json::array({{{"fill", "color"}, {"title", "effect"}, {"orient", "right"}}});
  s["marks"] = json::array(
      {{{"type", "rect"}, {"name", "lq-bar"}, {"from", {{"data", "layers"}}},
        {"encode", {{"enter", {{"x", field("x", "layer")}, {"width", {{"scale", "x"}, {"band", 1}}},
                               {"y", field("y", "crit")}, {"y2", {{"scale", "y"}, {"value", 0}}},
                               {"fill", field("color", "kind")}}}}}},
       hline(0),
       // The paired 95% interval of each criticality, a vertical rule through the bar's middle.
       {{"type", "rule"}, {"name", "lq-ci"}, {"from", {{"data", "ci"}}},
        {"encode", {{"enter", {{"x", {{"scale", "x"}, {"field", "layer"}, {"band", 0.5}}}, {"y", field("y", "lo")},
                               {"y2", field("y", "hi")}, {"stroke", {{"value", "#222222"}}},
                               {"strokeWidth", {{"value", 1.5}}}}}}}},
       // Anti-critical bars also say so in words, below the bar, for readers without colour.
       {{"type", "text"}, {"name", "lq-anti-label"}, {"from", {{"data", "anti"}}},
        {"encode", {{"enter", {{"x", {{"scale", "x"}, {"field", "layer"}, {"band", 0.5}}}, {"y", field("y", "crit")},
                               {"dy", {{"value", 4}}}, {"baseline", {{"value", "top"}}}, {"align", {{"value", "center"}}},
                               {"text", {{"value", "anti"}}}, {"fontSize", {{"value", 10}}},
                               {"fill", {{"value", "#b3262a"}}}, {"fontWeight", {{"value", "bold"}}}}}}}}});
  c.caption = c.title + ": bar = " + objective_label(ser.objective) + " of the base-only plan \"" + ser.base_plan +
              "\" minus that of the plan protecting the layer; above 0 the layer is critical, below 0 (red, 'anti') "
              "protecting it makes the gap worse (" + std::to_string(anti) + " anti-critical). " + ser.why +
              " " +
              (ser.interval_note.empty()
                   ? std::string("Black rules: paired 95% bootstrap intervals of the difference (replicate r of both "
                                 "plans is the same resample of units).")
                   : ser.interval_note) +
              " " + context_caption(d);
  c.spec = std::move(s);
  return c;
}

Chart disparity_heatmap(const Dataset& d, const std::vector<std::string>& plans) {
  Chart c;
  c.kind = "heatmap";
  c.title = "Disparity per plan and language (degradation relative to " + d.reference + ")";
  const auto langs = d.languages();
  json values = json::array();
  for (const auto& p : plans)
    for (const auto& l : langs) {
      const LangRow* r = d.row(p, l);
      if (!r) continue;
      const Value& v = r->disparity;
      const std::string label = v.unstable ? "unstable" : v.finite() ? fmt(v.value, "%.3g") + "x" : "n/a";
      values.push_back({{"plan", p}, {"lang", l}, {"v", v.finite() ? json(v.value) : json(nullptr)}, {"label", label}});
      ++c.points;
    }
  const int cw = 52, ch = 20;
  json s = base_spec(c.title, cw * static_cast<int>(langs.size()), ch * static_cast<int>(plans.size()));
  s["data"] = json::array({{{"name", "cells"}, {"values", values}},
                           {{"name", "numbers"}, {"source", "cells"},
                            {"transform", json::array({{{"type", "filter"}, {"expr", "datum.v != null"}}})}}});
  s["scales"] = json::array(
      {{{"name", "x"}, {"type", "band"}, {"domain", langs}, {"range", "width"}},
       {{"name", "y"}, {"type", "band"}, {"domain", plans}, {"range", "height"}},
       // Disparities run from below 0 to thousands: a symmetric log spreads them out.
       {{"name", "color"}, {"type", "symlog"}, {"domain", {{"data", "numbers"}, {"field", "v"}}},
        {"range", {{"scheme", "orangered"}}}}});
  s["axes"] = json::array({axis("top", "x", "language", {{"labelAngle", 0}}), axis("left", "y", "plan", {{"grid", false}})});
  // With every ratio unstable there is no number to colour, and so no colour legend.
  const bool any_number = std::any_of(values.begin(), values.end(), [](const json& v) { return !v["v"].is_null(); });
  s["legends"] = json::array();
  if (any_number) s["legends"].push_back({{"fill", "color"}, {"title", "disparity (x)"}, {"type", "gradient"}, {"orient", "right"}});
  s["marks"] = heatmap_marks("lang", "plan", "white");
  c.caption = c.title + ": disparity = degradation(language) / degradation(" + d.reference +
              "); grey cells are 'unstable' (the reference's degradation interval contains 0, so the ratio is not a "
              "number) or missing. Colour on a symmetric log scale. " + context_caption(d);
  c.spec = std::move(s);
  return c;
}

Chart pareto_chart(const Dataset& d, const std::string& group, const ParetoData& p) {
  Chart c;
  c.kind = "pareto";
  c.title = "Pareto frontier: overhead vs " + objective_label(p.objective) + " (group " + group + ")";
  json all = json::array(), front = json::array();
  bool positive = p.objective == Objective::lr_disparity;
  for (const auto& pt : p.points) {
    const json v = {{"plan", pt.plan}, {"x", 100 * pt.overhead}, {"v", pt.objective.value},
                    {"lo", num_or_null(pt.objective.lo)}, {"hi", num_or_null(pt.objective.hi)},
                    {"front", pt.on_front}};
    (pt.on_front ? front : all).push_back(v);
    positive = positive && pt.objective.value > 0 && !(pt.objective.lo <= 0);
    ++c.points;
  }
  std::sort(front.begin(), front.end(), [](const json& a, const json& b) { return a["x"].get<double>() < b["x"].get<double>(); });
  json s = base_spec(c.title, 560, 320);
  json both = all;
  for (const auto& f : front) both.push_back(f);
  s["data"] = json::array({{{"name", "others"}, {"values", all}}, {{"name", "front"}, {"values", front}},
                           {{"name", "both"}, {"values", both}},
                           {{"name", "bars"}, {"source", "both"},
                            {"transform", json::array({{{"type", "filter"}, {"expr", "datum.lo != null && datum.hi != null"}}})}}});
  const std::string yscale = positive ? "log" : "linear";
  s["scales"] = json::array(
      {{{"name", "x"}, {"type", "linear"}, {"domain", {{"data", "both"}, {"field", "x"}}}, {"range", "width"},
        {"nice", true}, {"zero", true}},
       {{"name", "y"}, {"type", yscale}, {"domain", {{"fields", json::array({{{"data", "both"}, {"field", "v"}},
                                                                              {{"data", "bars"}, {"field", "lo"}},
                                                                              {{"data", "bars"}, {"field", "hi"}}})}}},
        {"range", "height"}, {"nice", true}, {"zero", false}},
       {{"name", "color"}, {"type", "ordinal"}, {"domain", {"Pareto frontier", "dominated"}}, {"range", {"#d62728", "#9e9e9e"}}}});
  s["axes"] = json::array({axis("bottom", "x", "overhead (% of parameters kept above the base format)",
                                {{"labelOverlap", true}}),
                           axis("left", "y", objective_label(p.objective) + " (" + objective_unit(p.objective) +
                                                 (positive ? ", log scale" : "") + ")")});
  s["legends"] = json::array({{{"fill", "color"}, {"title", "plan"}, {"orient", "right"}, {"symbolType", "circle"}}});
  s["marks"] = json::array(
      {{{"type", "rule"}, {"name", "lq-pareto-errorbar"}, {"from", {{"data", "bars"}}},
        {"encode", {{"enter", {{"x", field("x", "x")}, {"y", field("y", "lo")}, {"y2", field("y", "hi")},
                               {"stroke", {{"value", "#bbbbbb"}}}}}}}},
       {{"type", "line"}, {"name", "lq-front-line"}, {"from", {{"data", "front"}}},
        {"encode", {{"enter", {{"x", field("x", "x")}, {"y", field("y", "v")}, {"interpolate", {{"value", "step-after"}}},
                               {"stroke", {{"value", "#d62728"}}}, {"strokeWidth", {{"value", 2}}}}}}}},
       {{"type", "symbol"}, {"name", "lq-pareto-point"}, {"from", {{"data", "others"}}},
        {"encode", {{"enter", {{"x", field("x", "x")}, {"y", field("y", "v")}, {"size", {{"value", 40}}},
                               {"fill", {{"value", "#9e9e9e"}}}}}}}},
       {{"type", "symbol"}, {"name", "lq-front-point"}, {"from", {{"data", "front"}}},
        {"encode", {{"enter", {{"x", field("x", "x")}, {"y", field("y", "v")}, {"size", {{"value", 90}}},
                               {"fill", {{"value", "#d62728"}}}, {"stroke", {{"value", "black"}}}}}}}},
       {{"type", "text"}, {"name", "lq-front-label"}, {"from", {{"data", "front"}}},
        {"encode", {{"enter", {{"x", field("x", "x")}, {"y", field("y", "v")}, {"dx", {{"value", 7}}},
                               {"dy", {{"value", -7}}}, {"fontSize", {{"value", 10}}}, {"text", {{"field", "plan"}}}}}}}}});
  c.caption = c.title + ": every plan at its overhead; red points (joined by the step line, named) are the Pareto "
              "frontier (no other plan has both lower overhead and lower objective), grey ones are dominated; bars "
              "are 95% intervals of the objective. " + p.why +
              (p.skipped.empty() ? "" : " Left out (no finite objective): " + std::to_string(p.skipped.size()) + " plans.") +
              " " + context_caption(d);
  c.spec = std::move(s);
  return c;
}

Chart scatter_chart(const Dataset& d, const CriticalitySeries& ser, const StatCorrelation& k) {
  Chart c;
  c.kind = "scatter";
  c.title = k.statistic + " vs " + ser.component + " criticality: Pearson r = " + fmt(k.pearson.r, "%.2f");
  json values = json::array();
  for (size_t i = 0; i < k.x.size(); ++i) {
    values.push_back({{"layer", "L" + std::to_string(k.layers[i])}, {"x", k.x[i]}, {"y", k.y[i]}});
    ++c.points;
  }
  json s = base_spec(c.title, 300, 220);
  s["data"] = json::array({{{"name", "layers"}, {"values", values}}});
  s["scales"] = json::array(
      {{{"name", "x"}, {"type", "linear"}, {"domain", {{"data", "layers"}, {"field", "x"}}}, {"range", "width"},
        {"nice", true}, {"zero", false}},
       {{"name", "y"}, {"type", "linear"}, {"domain", {{"data", "layers"}, {"field", "y"}}}, {"range", "height"},
        {"nice", true}, {"zero", true}}});
  s["axes"] = json::array({axis("bottom", "x", k.statistic + " of the layer's weights (langquant stats)",
                                {{"tickCount", 5}, {"labelOverlap", true}, {"format", "~g"}}),
                           axis("left", "y", "criticality (" + objective_unit(ser.objective) + ")")});
  s["marks"] = json::array(
      {{{"type", "symbol"}, {"name", "lq-scatter-point"}, {"from", {{"data", "layers"}}},
        {"encode", {{"enter", {{"x", field("x", "x")}, {"y", field("y", "y")}, {"size", {{"value", 50}}},
                               {"fill", {{"value", "#4c78a8"}}}}}}}},
       {{"type", "text"}, {"name", "lq-scatter-label"}, {"from", {{"data", "layers"}}},
        {"encode", {{"enter", {{"x", field("x", "x")}, {"y", field("y", "y")}, {"dx", {{"value", 6}}},
                               {"dy", {{"value", -5}}}, {"fontSize", {{"value", 9}}}, {"text", {{"field", "layer"}}}}}}}}});
  const auto& P = k.pearson;
  const auto& S = k.spearman;
  c.caption = c.title + " [" + fmt(P.lo, "%.2f") + ", " + fmt(P.hi, "%.2f") + "], permutation p = " +
              fmt(P.p_value, "%.3g") + "; Spearman rho = " + fmt(S.r, "%.2f") + " [" + fmt(S.lo, "%.2f") + ", " +
              fmt(S.hi, "%.2f") + "], p = " + fmt(S.p_value, "%.3g") + "; n = " + std::to_string(P.n) +
              " layers. r intervals: 95% percentile bootstrap over layers; p: two-sided permutation test. "
              "Criticality as in the per-layer chart (" + ser.why + ") " + context_caption(d);
  c.spec = std::move(s);
  return c;
}

}  // namespace lq::report
