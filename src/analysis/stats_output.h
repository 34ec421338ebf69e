// Writing weight statistics: JSON (every figure; the report reads it), one CSV of every scope
// (tensor, layer, component) and a per-layer Markdown table.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/weight_stats.h"

namespace lq::analysis {

// {"model", "format", "tensors": [...], "layers": [...], "components": [...]}; NaN -> null.
nlohmann::json stats_json(const ModelStats& s, const std::string& model_dir);
std::string stats_csv(const ModelStats& s);
std::string stats_markdown(const ModelStats& s, const std::string& model_dir);

}  // namespace lq::analysis
