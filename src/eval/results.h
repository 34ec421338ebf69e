// The result of `langquant eval` as JSON (for programs) and a Markdown table (for people).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/metrics.h"

namespace lq {

struct EvalResults {
  std::string model, corpus, corpus_layout, mode;
  int64_t n_ctx = 0, truncated = 0;
  bool bos = false;
  int bootstrap_replicates = 0;
  std::vector<LanguageSummary> languages, groups;
};

nlohmann::json to_json(const EvalResults& r);
std::string to_markdown(const EvalResults& r);

}  // namespace lq
