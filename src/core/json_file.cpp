#include "core/json_file.h"

#include "core/error.h"
#include "core/json_error.h"
#include "core/mapped_file.h"

namespace lq {

nlohmann::json parse_json_text(const std::string& text, const std::string& where) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(where, "not valid JSON: " + json_problem(e));
  }
}

nlohmann::json read_json_file(const std::string& path) { return parse_json_text(read_file(path), path); }

}  // namespace lq
