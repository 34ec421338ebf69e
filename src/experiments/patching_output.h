// `langquant patch` results: JSON (schema_version 1, for programs), Markdown that leads with
// the answer (which component restores most of each language's loss, and which carries most
// of it alone), and a long-form CSV (one row per language, patch and direction).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "experiments/patching.h"

namespace lq {

struct PatchReport {
  std::string model, corpus, plan, plan_line;
  int n_layer = 0;
  int sentences_per_language = 0;  // 0: all
  BootstrapOptions bootstrap;
  std::vector<PatchRun> runs;
  std::vector<PatchLanguage> languages;  // per language, then "all" when there are several
};

constexpr int kPatchSchemaVersion = 1;

nlohmann::json patch_json(const PatchReport& r);
std::string patch_markdown(const PatchReport& r);
std::string patch_csv(const PatchReport& r);

// Per language (and "all"), the run of `direction` with the largest share that is not
// unstable; -1 when there is none.
int best_run(const PatchReport& r, const PatchLanguage& l, PatchDirection direction);

}  // namespace lq
