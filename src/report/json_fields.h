// Reading fields of the untrusted JSON files the report takes (comparisons, patch results): a
// wrong type is one lq::Error naming the file and the field, never a library exception.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "report/report_data.h"

namespace lq::report {

// A number, or NaN when absent or null.
inline double json_number(const nlohmann::json& obj, const std::string& key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return kNaN;
  if (!it->is_number()) fail(where, "\"" + key + "\" is not a number");
  return it->get<double>();
}

// A string; absent or null fails when `required`, else gives "".
inline std::string json_text(const nlohmann::json& obj, const std::string& key, const std::string& where,
                             bool required = true) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) fail(where, "missing \"" + key + "\"");
    return "";
  }
  if (!it->is_string()) fail(where, "\"" + key + "\" is not a string");
  return it->get<std::string>();
}

}  // namespace lq::report
