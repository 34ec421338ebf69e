// A finished sweep's comparison, read from its store alone (no model needed): the JSON shape
// `eval --plan --out` writes (eval/comparison_output.h) plus per-plan "tags" and a "sweep"
// section (experiment name, description, axes; with length buckets, the comparison again on
// the short / medium / long third of every language's sentences by UTF-8 bytes), and the same
// CSV and Markdown as eval. The bytes out depend only on the store and the options.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "eval/bootstrap.h"
#include "experiments/sweep_store.h"

namespace lq::experiments {

struct ExportOptions {
  std::string reference = "en";
  std::map<std::string, std::vector<std::string>> groups;  // "lr" defaults as in eval
  BootstrapOptions bootstrap;
};

struct SweepExport {
  std::string json, csv, md;
};

SweepExport export_sweep(SweepStore& store, const ExportOptions& opt);

// Bucket (0 short, 1 medium, 2 long) of every unit: per language, units ranked by bytes (ties
// by position) and cut into thirds, the first n/3 (rounded down) short, the last n/3 long.
std::vector<int> length_buckets(const std::vector<UnitMeta>& units, size_t n_languages);

}  // namespace lq::experiments
