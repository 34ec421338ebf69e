// Full precision against quantization plans, per language (research brief §1): perplexity,
// bits per byte, degradation, disparity against a reference language, NLL disparity,
// delta_bpb, KL(FP || plan), top-1 agreement, and LR disparity per language group.
//
// Intervals come from a paired bootstrap: replicate r draws one resample of units per
// language, and every plan, FP included, is measured on that same resample. Languages with the
// same number of units get the same draw, so on a parallel corpus replicate r resamples the
// same sentences in every language and cross-language ratios stay paired too. A ratio whose
// denominator's interval contains zero is marked unstable and given no value; with no
// replicates (no interval), only a denominator of exactly zero makes it unstable.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "eval/bootstrap.h"

namespace lq {

// Per unit of one language: the scored token/byte counts and, per set (0 = FP), the summed
// NLL, summed KL and number of top-1 agreements.
struct LanguageScores {
  std::string lang;
  std::vector<int64_t> tokens, bytes, chars;
  std::vector<std::vector<double>> nll, kl;    // [set][unit]
  std::vector<std::vector<int64_t>> top1;      // [set][unit]
};

struct RatioEstimate {
  Estimate e;
  bool unstable = false;  // denominator's interval contains zero: e is meaningless
};

struct PlanLanguageRow {
  std::string plan, lang;
  int64_t units = 0, tokens = 0, bytes = 0, chars = 0;
  Estimate nll, ppl, bpb, degradation, delta_bpb, kl, top1;
  RatioEstimate disparity, nll_disparity;
};

struct PlanGroupRow {
  std::string plan, group;
  std::optional<RatioEstimate> lr_disparity;  // mean disparity over the group
  Estimate delta_bpb;                          // mean delta_bpb over the group
  Estimate delta_bpb_gap;                      // group mean delta_bpb - reference delta_bpb
  Estimate kl;                                 // mean KL over the group's languages
  // Each quantity's value in bootstrap replicate r (index r; empty with no replicates). Every
  // plan's replicate r is measured on the same resample, so differences, ranks and synergies of
  // plans taken replicate by replicate give paired intervals (eval/paired.h).
  struct Replicates {
    std::vector<double> lr_disparity, delta_bpb, delta_bpb_gap, kl;
  } replicates;
};

struct ComparisonOptions {
  std::string reference = "en";
  std::map<std::string, std::vector<std::string>> groups;
  BootstrapOptions bootstrap;
};

struct Comparison {
  std::vector<PlanLanguageRow> rows;     // plan-major; plan "full-precision" first
  std::vector<PlanGroupRow> group_rows;  // plans only
};

// plan_names[s] names set s (plan_names[0] is "full-precision").
Comparison compare_plans(const std::vector<LanguageScores>& langs, const std::vector<std::string>& plan_names,
                         const ComparisonOptions& opt);

// Languages not in the usual high-resource set (en de fr es it pt ru zh ja nl), excluding the
// reference: the default low-resource group.
std::vector<std::string> default_low_resource(const std::vector<std::string>& langs, const std::string& reference);

}  // namespace lq
