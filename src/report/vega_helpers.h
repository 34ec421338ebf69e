// Small builders of Vega 5 spec parts shared by the report's charts (vega_specs.cpp,
// patch_chart.cpp): the common frame, axes, scaled fields and reference rules.
#pragma once
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

namespace lq::report::vega {

using nlohmann::json;

inline json num_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

inline json base_spec(const std::string& title, int width, int height) {
  // No "$schema": the report must not name any URL, and Vega does not need it.
  return {{"width", width},
          {"height", height},
          {"padding", 8},
          {"autosize", {{"type", "pad"}}},
          {"background", "white"},
          {"title", {{"text", title}, {"fontSize", 14}, {"anchor", "start"}}},
          {"config", {{"axis", {{"labelFontSize", 11}, {"titleFontSize", 12}}}}}};
}

inline json axis(const std::string& orient, const std::string& scale, const std::string& title, json extra = json::object()) {
  json a = {{"orient", orient}, {"scale", scale}, {"title", title}, {"grid", orient == "left"}};
  a.update(extra);
  return a;
}

inline json field(const std::string& scale, const std::string& f) { return {{"scale", scale}, {"field", f}}; }

// A horizontal rule at y = v across the plot (zero lines, the reference's disparity 1).
inline json hline(double v) {
  return {{"type", "rule"},
          {"encode", {{"enter", {{"x", {{"value", 0}}}, {"x2", {{"signal", "width"}}},
                                 {"y", {{"scale", "y"}, {"value", v}}}, {"stroke", {{"value", "#444"}}},
                                 {"strokeDash", {{"value", json::array({4, 3})}}}}}}}};
}

}  // namespace lq::report::vega
