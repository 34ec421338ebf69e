// nlohmann::json's exception texts start with a tag ("[json.exception.out_of_range.406] number
// overflow parsing '1e999'"). Readers of JSON files catch nlohmann::json::exception (not only
// parse_error: a number too large for a double is out_of_range, a mistyped field type_error)
// and report lq::fail(file, json_problem(e)): the file named, the library's tag dropped.
#pragma once
#include <exception>
#include <string>

namespace lq {

inline std::string json_problem(const std::exception& e) {
  std::string s = e.what();
  if (s.rfind("[json.exception.", 0) == 0)
    if (const size_t end = s.find("] "); end != std::string::npos) s.erase(0, end + 2);
  return s;
}

}  // namespace lq
