// The causal-patching recovery matrix as a heatmap (patch x language) per direction: the share of
// the plan's loss that restoring a component recovers, or that injecting the plan's activations
// there carries alone (experiments/patching.h).
#pragma once
#include <string>

#include "report/patch_data.h"
#include "report/vega_specs.h"

namespace lq::report {

// direction: "restore" or "inject"; one cell per (patch, language) the file has.
Chart patch_heatmap(const PatchMatrix& m, const std::string& direction);

}  // namespace lq::report
