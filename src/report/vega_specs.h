// One Vega specification per chart of the report. Every chart carries a title, axis titles
// with units and names its marks ("lq-...") so that a test can count them in the rendered SVG;
// the caption (scoring mode, corpus, model, interval method) travels beside the spec.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "report/chart_data.h"
#include "report/report_data.h"

namespace lq::report {

struct Chart {
  std::string id;       // unique in the report, e.g. "s0-pareto"
  std::string kind;     // per-language | criticality | heatmap | pareto | scatter
  std::string title;
  std::string caption;  // plain text, escaped by the writers
  nlohmann::json spec;  // Vega 5
  int points = 0;       // data points drawn: one mark each in the chart's main mark set
};

// "Scoring: sentence mode; corpus ...; model ...; intervals: ..." for every caption.
std::string context_caption(const Dataset& d);

// Metric: "degradation" (in %), "delta_bpb", "kl" or "top1"; plans: non-FP plans to draw.
Chart per_language_chart(const Dataset& d, const std::string& metric, const std::vector<std::string>& plans);
Chart criticality_chart(const Dataset& d, const CriticalitySeries& s);
Chart disparity_heatmap(const Dataset& d, const std::vector<std::string>& plans);
Chart pareto_chart(const Dataset& d, const std::string& group, const ParetoData& p);
Chart scatter_chart(const Dataset& d, const CriticalitySeries& s, const StatCorrelation& c);

}  // namespace lq::report
