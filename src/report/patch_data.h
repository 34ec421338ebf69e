// What `langquant report --patch` reads: the JSON of `langquant patch --out` (experiments/
// patching_output.h), reduced to the recovery matrix the report charts: per direction (restore,
// inject), patch and language, the share of the plan's loss recovered or carried, with its
// interval; "unstable" where the plan's loss itself is not distinguishable from 0.
#pragma once
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "report/report_data.h"

namespace lq::report {

struct PatchMatrix {
  std::string source, model, corpus, plan;
  int sentences = 0, replicates = 0;
  std::vector<std::string> langs;    // in file order, the pooled "all" last when present
  std::vector<std::string> patches;  // in file order
  std::map<std::string, Value> delta_nll;  // per language: NLL(plan) - NLL(FP), nats per token
  // (direction, patch, lang) -> share; direction "restore" or "inject".
  std::map<std::tuple<std::string, std::string, std::string>, Value> share;

  bool has(const std::string& direction) const;
  // One sentence per direction on the pooled row ("all", else the last language): the patch with
  // the largest stable share, with its interval. Empty when no share is stable.
  std::string answer() const;
  const Value* at(const std::string& direction, const std::string& patch, const std::string& lang) const;
};

// Throws lq::Error naming `source` on anything but a patch result of a known schema_version.
PatchMatrix parse_patch(const nlohmann::json& j, const std::string& source);
PatchMatrix load_patch(const std::string& path);

}  // namespace lq::report
