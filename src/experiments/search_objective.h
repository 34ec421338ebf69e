// The fairness objectives the plan search minimises, computed from per-unit scores with
// bootstrap replicates of its own: replicate r draws the same resample (seed, r, n) for every
// candidate and for every language with n units, so replicates are paired across candidates
// (a difference of two candidates' objectives has a meaningful interval) and across languages.
// The point values equal compare_plans' (same definitions, research brief §1):
//   lr_disparity   mean over the group of degradation_l / degradation_ref,
//                  degradation = exp((NLL_plan - NLL_fp) / tokens) - 1
//   delta_bpb_gap  mean over the group of delta_bpb_l - delta_bpb_ref,
//                  delta_bpb = (NLL_plan - NLL_fp) / (bytes ln 2)
//   max_kl         max over all languages of KL(FP || plan) per token (nats)
//   max_delta_bpb_gap  max over every language but the reference of delta_bpb_l - delta_bpb_ref:
//                  "every language within X bits per byte of the reference" (the group is not used)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lq::experiments {

enum class ObjectiveKind { LrDisparity, DeltaBpbGap, MaxKl, MaxDeltaBpbGap };

struct Target {
  ObjectiveKind kind = ObjectiveKind::LrDisparity;
  double bound = 1.5;  // met when objective <= bound
};

// "lr_disparity<=1.5", "delta_bpb_gap<=0.05", "max_kl<=0.1", "max_delta_bpb_gap<=0.05"; throws
// naming the text.
Target parse_target(const std::string& text);
std::string objective_name(ObjectiveKind k);
std::string target_text(const Target& t);
// Whether the objective averages over the language group 'lr' (lr_disparity, delta_bpb_gap).
bool uses_group(ObjectiveKind k);

// One language's units, for one candidate: per unit tokens, bytes, NLL at FP and under the
// candidate (nats, summed) and summed KL(FP || candidate).
struct LanguageUnits {
  std::string lang;
  std::vector<double> tokens, bytes, nll_fp, nll_q, kl;
};

// A point value and bootstrap replicates (replicate r of every sample made with the same seed
// and unit counts resamples the same units).
struct ObjectiveSample {
  double point = 0;
  std::vector<double> reps;
  // lr_disparity only: the reference's degradation interval (95%; the point alone without
  // replicates) contains 0, so the ratio means nothing and cannot meet a target.
  bool unstable = false;
};

struct ObjectiveSpec {
  ObjectiveKind kind = ObjectiveKind::LrDisparity;
  int reference = 0;           // index into the languages
  std::vector<int> group;      // languages averaged (lr_disparity, delta_bpb_gap)
  int replicates = 200;
  uint64_t seed = 20260105;
};

ObjectiveSample objective_sample(const std::vector<LanguageUnits>& langs, const ObjectiveSpec& spec);

// The language whose term is largest at the point estimate (max_kl: KL per token; max_delta_bpb_gap:
// delta_bpb, the reference excluded); -1 for the group objectives.
int worst_language(const std::vector<LanguageUnits>& langs, const ObjectiveSpec& spec);

// Resample counts of n units in replicate r (deterministic in seed, r, n).
std::vector<uint32_t> resample_counts(uint64_t seed, int r, size_t n);

}  // namespace lq::experiments
