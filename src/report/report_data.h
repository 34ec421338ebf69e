// What `langquant report` reads: the comparison JSON that `eval --plan --out` and `sweep --out`
// write (src/eval/comparison_output.cpp), held as plain values. Estimates keep NaN for what the
// file gives as null, and a ratio keeps its "unstable" flag so that no chart or table can show
// a number for it. Several files about the same model, corpus and scoring are merged into one
// Dataset; files about different ones become separate Datasets (report sections).
#pragma once
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace lq::report {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Value {
  double value = kNaN, lo = kNaN, hi = kNaN;
  bool unstable = false;  // a ratio whose denominator's interval contains zero
  bool finite() const { return !unstable && std::isfinite(value); }
  bool has_interval() const { return finite() && std::isfinite(lo) && std::isfinite(hi); }
};

struct PlanEntry {
  std::string name, description;
  double overhead = kNaN, size_bytes = kNaN, bits_per_weight = kNaN;
  nlohmann::json tags;  // object from a sweep export ({"axis":"layer","layer":3,...}), or null
  std::string source;   // the file it came from
};

struct LangRow {
  std::string plan, lang;
  Value ppl, degradation, disparity, nll_disparity, delta_bpb, kl, top1;
};

struct GroupRow {
  std::string plan, group;
  std::optional<Value> lr_disparity;  // absent when the file has none for this group
  Value delta_bpb, delta_bpb_gap, kl;
  // Each quantity's bootstrap replicates, keyed by its name ("lr_disparity", "delta_bpb",
  // "delta_bpb_gap", "kl"; NaN for null), from a schema-2 file; empty from older ones. Rows of
  // one file pair replicate by replicate (same resamples), rows of two files do not.
  std::map<std::string, std::vector<double>> replicates;
};

struct Dataset {
  std::string model, corpus, mode, reference, interval;
  int n_ctx = 0;
  std::vector<std::string> sources;
  std::vector<PlanEntry> plans;  // plans[0] is full precision (every comparison starts with it)
  std::vector<LangRow> rows;
  std::vector<GroupRow> groups;
  nlohmann::json sweeps = nlohmann::json::array();  // each file's "sweep" section, if any
  std::vector<std::string> notes;                    // what merging skipped, for the reader

  const PlanEntry* plan(const std::string& name) const;
  const GroupRow* group_row(const std::string& plan, const std::string& group) const;
  const LangRow* row(const std::string& plan, const std::string& lang) const;
  std::vector<std::string> languages() const;     // in first-seen order
  std::vector<std::string> group_names() const;   // in first-seen order
  bool is_fp(const std::string& plan) const { return !plans.empty() && plans.front().name == plan; }
};

// Parses one comparison file; throws lq::Error naming `source` on a malformed one.
Dataset parse_comparison(const nlohmann::json& j, const std::string& source);
Dataset load_comparison(const std::string& path);

// Merges files whose model, corpus, mode, context and reference language agree (in input
// order). A plan name met again with the same description is skipped (noted); with a different
// description it is an error, since the charts could not tell the two apart.
std::vector<Dataset> merge_datasets(std::vector<Dataset> files);

}  // namespace lq::report
