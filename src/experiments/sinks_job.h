// `langquant sinks` as one library call: attention sinks per head and language under full
// precision and, with a plan, under the plan (analysis/attention_sinks.h); each head's weight
// outlier ratio; each language's loss under the plan; and whether sinks relate to outliers
// (across heads) and to the loss (across languages), as correlations with intervals.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/attention_sinks.h"
#include "analysis/correlation.h"
#include "eval/bootstrap.h"
#include "model/weight_set.h"

namespace lq {

struct SinksSpec {
  std::string model, corpus, plan;  // plan optional
  std::string base = "int4", keep = "fp16";
  std::vector<std::string> langs;
  int sentences = 100;
  analysis::SinkOptions sinks;
  BootstrapOptions bootstrap;  // the loss intervals
  analysis::CorrelationOptions correlation;
  bool quiet = false;
};

struct NamedCorrelation {
  std::string x, y, over;  // what is correlated, over which items (heads, languages)
  analysis::Correlation spearman, pearson;
};

struct SinksReport {
  std::string model, corpus, plan, plan_line;
  int n_layer = 0, n_head = 0, sentences_per_language = 0;
  double threshold = 0;
  std::vector<std::string> languages;
  analysis::SinkTable fp, planned;        // planned empty without a plan
  std::vector<std::vector<double>> head_outlier;  // [layer][head]: max |w| / rms of the head's weights
  std::vector<Estimate> delta_nll;        // per language, plan minus FP (empty without a plan)
  std::vector<NamedCorrelation> correlations;
};

SinksReport run_sinks_job(const SinksSpec& spec);

// max |w| / sqrt(mean w^2) over head h's rows of the query, key and value projections (its
// key/value head under grouped-query attention) and its columns of the output projection.
double head_outlier_ratio(const WeightSet& w, int layer, int head);

constexpr int kSinksSchemaVersion = 1;
nlohmann::json sinks_json(const SinksReport& r);
std::string sinks_markdown(const SinksReport& r);
std::string sinks_csv(const SinksReport& r);

}  // namespace lq
