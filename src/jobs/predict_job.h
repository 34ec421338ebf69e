// Job `predict`: which pre-quantization statistic predicts per-layer criticality (analysis/
// predictor.h) on one model, and with several models (one stats + sweep [+ activations] each)
// which predictor holds across them: pooled within models and checked by leaving one model out
// (analysis/predictor_pooling.h).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/correlation.h"

namespace lq::jobs {

struct PredictModel {
  std::string stats, sweep, activations;  // activations optional ("")
};

struct PredictSpec {
  std::vector<PredictModel> models;
  std::string objective = "lr_disparity", group = "lr";
  int top_k = 3;
  analysis::CorrelationOptions options;
  std::string out, md;  // files ("" = not written)
};

struct PredictResult {
  // One model: {"sweep", "stats", "activations", "objective", "group", "definitions", "seed",
  // "analyses"}. Several: "models" (each one model's sweep, stats, activations and analyses),
  // "pooled" and "held_out" per component present in every model, and the rest as for one.
  nlohmann::json json;
  std::string markdown;
  bool any_defined = false;  // some predictor had a defined correlation
};

PredictResult run_predict(const PredictSpec& spec);

}  // namespace lq::jobs
