// Job `eval`: per-language quality of a model on a corpus, alone (EvalResults: ppl, bpb with
// intervals, pooled groups) or against quantization plans (ComparisonReport: degradation,
// disparity, KL, top-1 per plan and language), full precision and every plan scored in one pass.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "eval/comparison_output.h"
#include "eval/engine.h"
#include "eval/results.h"
#include "jobs/job_progress.h"
#include "jobs/scoring_options.h"

namespace lq::jobs {

struct EvalSpec {
  std::string model, corpus;
  ScoringOptions scoring;
  std::vector<std::string> plans;      // preset names, plan files or one-line plans
  std::string base = "int4", keep = "fp16";  // formats of presets
  int64_t batch_tokens = 2048;
  // Outputs, opened before the scoring ("" = not written). md defaults to json with .md, csv
  // (plans only) to json with .csv. The run's progress is kept beside json (or md) while it
  // lasts; resume continues a stopped run.
  std::string json, md, csv;
  bool resume = false;
};

struct EvalResult {
  static constexpr int kSchemaVersion = 2;  // 2: comparisons keep group replicates
  std::optional<EvalResults> single;         // no plans
  std::optional<ComparisonReport> comparison;  // with plans
  // The forward work done: block evaluations run, and what every set alone would have run (plans
  // that share their first blocks' weights compute them once, eval/plan_tree.h). Not in outputs.
  EngineOptions::Work work;
  int64_t n_layer = 0;

  nlohmann::json to_json() const;  // schema_version added to eval/results.h's or comparison_output.h's JSON
  std::string to_markdown() const;
  std::string to_csv() const;      // plans only ("" without)
  // A result file's JSON, its version checked ("eval result"); the layout is eval's.
  static nlohmann::json read_json(const std::string& path);
};

// Scores, writes the outputs the spec names (all of them or none) and returns the result.
EvalResult run_eval(const EvalSpec& spec, const JobProgress& progress = {});

}  // namespace lq::jobs
