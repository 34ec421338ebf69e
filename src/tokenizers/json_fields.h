// Small readers for tokenizer.json fields that turn a missing or mistyped field into an
// lq::Error naming the file and the field, instead of a bare nlohmann exception.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/error.h"

namespace lq::tok {

using Json = nlohmann::json;

// Limits far above every real tokenizer, so that a crafted file is refused in seconds instead
// of costing minutes and gigabytes (a 415 MB tokenizer.json with 10 million merges took 56 s
// and 5.8 GB to load). The largest real files: Gemma 3's tokenizer.json, 33 MB, 262,144 tokens;
// merges lists stay below a million.
inline constexpr size_t kMaxTokenizerJsonBytes = size_t{128} << 20;
inline constexpr size_t kMaxVocabEntries = size_t{1} << 22;  // 4,194,304
inline constexpr size_t kMaxMerges = size_t{1} << 22;

// Where we are in the file, for error messages: the file path and a JSON path like
// "model.merges[3]".
struct JsonPlace {
  const std::string& file;
  std::string path;
  JsonPlace at(const std::string& key) const { return {file, path.empty() ? key : path + "." + key}; }
  [[noreturn]] void fail(const std::string& what) const {
    lq::fail(file, (path.empty() ? "" : path + ": ") + what);
  }
};

inline const Json& require_object(const Json& j, const JsonPlace& place) {
  if (!j.is_object()) place.fail("expected a JSON object");
  return j;
}

inline bool bool_field(const Json& object, const char* key, bool fallback, const JsonPlace& place) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) place.at(key).fail("expected true or false");
  return it->get<bool>();
}

// A string field; nullopt when absent or null.
inline std::optional<std::string> string_field(const Json& object, const char* key, const JsonPlace& place) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) place.at(key).fail("expected a string");
  return it->get<std::string>();
}

inline const Json& required_field(const Json& object, const char* key, const JsonPlace& place) {
  auto it = object.find(key);
  if (it == object.end()) place.fail(std::string("missing field '") + key + "'");
  return *it;
}

inline size_t size_field(const Json& object, const char* key, size_t fallback, const JsonPlace& place) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_number_unsigned()) place.at(key).fail("expected a non-negative integer");
  return it->get<size_t>();
}

// The "type" of a pipeline stage object, e.g. "ByteLevel".
inline std::string type_field(const Json& object, const JsonPlace& place) {
  require_object(object, place);
  auto type = string_field(object, "type", place);
  if (!type) place.fail("missing field 'type'");
  return *type;
}

}  // namespace lq::tok
