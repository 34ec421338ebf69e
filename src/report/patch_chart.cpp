#include "report/patch_chart.h"

#include <algorithm>

#include "report/text_format.h"
#include "report/vega_helpers.h"

namespace lq::report {

using nlohmann::json;
using namespace vega;  // NOLINT

Chart patch_heatmap(const PatchMatrix& m, const std::string& direction) {
  const bool restore = direction == "restore";
  Chart c;
  c.kind = "patch";
  c.title = restore ? "Share of the plan's loss recovered by restoring each component to full precision"
                    : "Share of the plan's loss carried by the plan's activations injected at each component alone";
  json values = json::array();
  std::vector<std::string> patches;
  for (const auto& p : m.patches) {
    bool any = false;
    for (const auto& l : m.langs) {
      const Value* v = m.at(direction, p, l);
      if (!v) continue;
      any = true;
      const std::string label = v->unstable ? "unstable" : v->finite() ? fmt(100 * v->value, "%.0f") + "%" : "n/a";
      values.push_back({{"patch", p}, {"lang", l}, {"v", v->finite() ? json(100 * v->value) : json(nullptr)},
                        {"lo", v->finite() ? num_or_null(100 * v->lo) : json(nullptr)},
                        {"hi", v->finite() ? num_or_null(100 * v->hi) : json(nullptr)}, {"label", label}});
      ++c.points;
    }
    if (any) patches.push_back(p);
  }
  const int cw = 40, ch = 22;
  json s = base_spec(c.title, cw * static_cast<int>(m.langs.size()), ch * static_cast<int>(patches.size()));
  s["data"] = json::array({{{"name", "cells"}, {"values", values}},
                           {{"name", "numbers"}, {"source", "cells"},
                            {"transform", json::array({{{"type", "filter"}, {"expr", "datum.v != null"}}})}}});
  // 0% white, 100% (the whole loss) dark; overshoots and harm saturate at the ends.
  s["scales"] = json::array(
      {{{"name", "x"}, {"type", "band"}, {"domain", m.langs}, {"range", "width"}},
       {{"name", "y"}, {"type", "band"}, {"domain", patches}, {"range", "height"}},
       {{"name", "color"}, {"type", "linear"}, {"domain", {-50, 0, 100}}, {"clamp", true},
        {"range", {"#c2410c", "#ffffff", "#1d4ed8"}}}});
  s["axes"] = json::array({axis("top", "x", "language", {{"labelAngle", 0}}), axis("left", "y", "patch", {{"grid", false}})});
  s["legends"] = json::array({{{"fill", "color"}, {"title", std::string(restore ? "recovered" : "carried") + " (%)"},
                               {"type", "gradient"}, {"orient", "right"}}});
  s["marks"] = heatmap_marks("lang", "patch", "#dddddd");
  c.caption = c.title + " (" + direction + "), per language; 'all' pools every sentence. " +
              (restore ? "Restore: the plan's run with the component's activations taken from full precision; 100% "
                         "recovers the whole loss (NLL(plan) - NLL(FP)), 0% nothing, below 0 makes it worse."
                       : "Inject: the full-precision run with the plan's activations at the component only; 100% "
                         "carries the plan's whole loss, 0% none.") +
              " Grey 'unstable': the plan's loss in that language is not distinguishable from 0, so no share means "
              "anything. Intervals (table): 95% paired bootstrap over sentences, " + std::to_string(m.replicates) +
              " replicates. Plan " + m.plan + "; model " + m.model + "; corpus " + m.corpus + ", " +
              std::to_string(m.sentences) + " sentences per language; from " + m.source + ".";
  c.spec = std::move(s);
  return c;
}

}  // namespace lq::report
