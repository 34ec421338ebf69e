// `langquant neurons` as one library call: activation probability of every feed-forward unit per
// language and its LAPE (analysis/lang_neurons.h), then Tang et al.'s selection: units whose
// largest probability reaches the `quantile` of all probabilities are candidates; the `share`
// of candidates with the lowest LAPE are language-specific, each to the languages where its
// probability reaches that same threshold.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/lang_neurons.h"

namespace lq {

struct NeuronsSpec {
  std::string model, corpus;
  std::vector<std::string> langs;
  int sentences = 100;
  double quantile = 0.95, share = 0.01;
  int64_t batch_tokens = 2048;
};

struct SpecificNeuron {
  int64_t layer = 0, unit = 0;
  double lape = 0;
  std::vector<std::string> langs;  // where p >= threshold
};

struct NeuronsReport {
  std::string model, corpus;
  int sentences_per_language = 0;
  double quantile = 0, share = 0, threshold = 0;
  int64_t candidates = 0;
  std::vector<std::string> languages;
  analysis::NeuronCounts counts;
  std::vector<double> lape;               // [layer * n_ff + unit]
  std::vector<SpecificNeuron> specific;   // lowest LAPE first
};

NeuronsReport run_neurons_job(const NeuronsSpec& spec);
// The selection on given counts (exposed for tests).
void select_specific(NeuronsReport& r);

constexpr int kNeuronsSchemaVersion = 1;
nlohmann::json neurons_json(const NeuronsReport& r);
std::string neurons_markdown(const NeuronsReport& r);

}  // namespace lq
