// Job `fertility`: token fertility per language (analysis/fertility.h) of a checkpoint's (or a
// tokenizer's) tokenizer on a corpus, as versioned JSON, CSV and a Markdown table.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/fertility.h"
#include "jobs/job_progress.h"

namespace lq::jobs {

struct FertilitySpec {
  std::string model;  // a checkpoint (HF folder, GGUF) or a tokenizer.json / tokenizer folder
  std::string corpus;
  std::vector<std::string> langs;  // empty: all
  int sentences = 0;               // first N per language (0: all)
  std::string ref = "en";          // the premium's reference language
  std::string json, csv, md;       // outputs ("" = not written)
};

struct FertilityResult {
  static constexpr int kSchemaVersion = 1;
  FertilitySpec spec;
  std::vector<analysis::LanguageFertility> languages;

  nlohmann::json to_json() const;
  std::string to_csv() const;
  std::string to_markdown() const;
};

FertilityResult run_fertility(const FertilitySpec& spec, const JobProgress& progress = {});

}  // namespace lq::jobs
