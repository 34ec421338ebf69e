// The replicates of a language group's objective, per plan, drawn exactly as compare_plans
// draws them (replicate r: resample_counts(seed, r, n) for every language of n units), so the
// point equals the group row's value bit for bit and paired.h can difference plans.
//   kl             mean over the group of KL / token
//   delta_bpb      mean over the group of (NLL_plan - NLL_fp) / (bytes ln 2)
//   delta_bpb_gap  delta_bpb of each member minus the reference's, averaged
//   lr_disparity   mean over the group of degradation / the reference's degradation
#pragma once
#include <string>
#include <vector>

#include "eval/comparison.h"
#include "eval/paired.h"

namespace lq {

// Set 0 (full precision) is included; its objectives are 0 or NaN by definition.
PlanSamples group_objective_samples(const std::vector<LanguageScores>& langs, const std::string& reference,
                                    const std::vector<std::string>& group, const std::string& objective,
                                    const BootstrapOptions& opt);

}  // namespace lq
