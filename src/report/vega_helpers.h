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

// A heatmap's two marks over data "cells": one rect per cell on band scales x and y (fields
// x_field, y_field), filled by scale "color" from field "v" or grey where v is null, and the
// cell's "label" written in its middle. Named lq-cell / lq-cell-label so tests can count them.
inline json heatmap_marks(const std::string& x_field, const std::string& y_field, const std::string& stroke) {
  return json::array(
      {{{"type", "rect"}, {"name", "lq-cell"}, {"from", {{"data", "cells"}}},
        {"encode", {{"enter", {{"x", field("x", x_field)}, {"width", {{"scale", "x"}, {"band", 1}}},
                               {"y", field("y", y_field)}, {"height", {{"scale", "y"}, {"band", 1}}},
                               {"stroke", {{"value", stroke}}},
                               {"fill", json::array({{{"test", "datum.v == null"}, {"value", "#d9d9d9"}},
                                                     {{"scale", "color"}, {"field", "v"}}})}}}}}},
       {{"type", "text"}, {"name", "lq-cell-label"}, {"from", {{"data", "cells"}}},
        {"encode", {{"enter", {{"x", {{"scale", "x"}, {"field", x_field}, {"band", 0.5}}},
                               {"y", {{"scale", "y"}, {"field", y_field}, {"band", 0.5}}},
                               {"align", {{"value", "center"}}}, {"baseline", {{"value", "middle"}}},
                               {"fontSize", {{"value", 9}}}, {"text", {{"field", "label"}}}}}}}}});
}

}  // namespace lq::report::vega
