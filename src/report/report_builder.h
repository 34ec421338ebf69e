// Assembles what `langquant report` shows for each dataset (one section per model, corpus and
// scoring mode): the chart data, the Vega charts and the notes explaining what was skipped.
// Writers (html_report.h, markdown_report.h) only lay this out.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "report/chart_data.h"
#include "report/patch_data.h"
#include "report/plan_contrasts.h"
#include "report/report_data.h"
#include "report/vega_specs.h"

namespace lq::report {

struct ReportOptions {
  std::string group;            // the low-resource group; "" = "lr" if present, else the first
  size_t max_language_plans = 12;  // plans drawn in the per-language charts (all are in the tables)
  analysis::CorrelationOptions correlation;
  // Plans to contrast directly, as (A, B): the paired difference of their objective.
  std::vector<std::pair<std::string, std::string>> contrasts;
};

struct Section {
  Dataset data;
  std::string group;
  std::vector<std::string> plans;  // non-FP plans, in input order
  std::vector<Chart> charts;
  CriticalityResult criticality;
  PlanContrasts contrasts;
  ParetoData pareto;
  std::vector<StatCorrelation> correlations;
  std::vector<std::string> notes;
};

// One `langquant patch` result: its recovery matrix charted per direction.
struct PatchSection {
  PatchMatrix data;
  std::vector<Chart> charts;
};

struct Report {
  std::vector<Section> sections;
  std::vector<PatchSection> patches;
  std::vector<std::string> inputs;
  std::string stats_source;  // "" without --stats
};

// stats: `langquant stats --out` JSON or null.
// patches: `langquant patch` results, each its own section after the comparisons.
Report build_report(std::vector<Dataset> datasets, const std::vector<std::string>& inputs, const nlohmann::json& stats,
                    const std::string& stats_source, const ReportOptions& opt,
                    std::vector<PatchMatrix> patches = {});

}  // namespace lq::report
