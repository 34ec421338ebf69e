// Job `activations`: per-language statistics of every block's output (analysis/activation_stats.h):
// RMS, mean and max |h|, kurtosis, massive activations, critical layers, and with a plan how
// far each layer moves from full precision.
//
// Resumable by language: each finished language's statistics are committed to a progress file
// beside the first output (experiments/pass_memo.h), exactly (CBOR doubles), so a run stopped at
// any moment loses at most the language in flight and, run again with resume, writes
// byte-identical outputs. The file records the model's identity, the corpus and every option
// that changes a number, refuses another, and is removed once the outputs are written.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/activation_stats.h"
#include "jobs/job_progress.h"

namespace lq::jobs {

struct ActivationsSpec {
  std::string model, corpus;
  std::vector<std::string> langs;  // empty: every language of the corpus
  int sentences = 100;             // first N per language (0: all)
  std::string plan, base = "int4", keep = "fp16";
  analysis::ActivationOptions options;
  std::string out, md;  // JSON and Markdown outputs ("" = not written)
  std::string dump;     // folder for raw float32 block outputs ("" = none)
  bool resume = false;
};

struct ActivationsResult {
  ActivationsSpec spec;
  std::vector<analysis::LanguageActivations> languages;
  std::map<int32_t, std::string> token_text;  // of every token a massive activation names

  nlohmann::json to_json() const;
  std::string to_markdown() const;
};

// Writes spec.out and spec.md (together, or neither) and returns the result.
ActivationsResult run_activations(const ActivationsSpec& spec, const JobProgress& progress = {});

}  // namespace lq::jobs
