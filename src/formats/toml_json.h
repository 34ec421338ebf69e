// TOML files (plans, experiments, training mixes) read as JSON, so that each reader has one
// schema check for its TOML and JSON forms. Tables become objects, arrays arrays; strings,
// integers, floats and booleans keep their type; dates and times (no reader uses them) are null.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace lq {

// Parses TOML text; a syntax error fails as "SOURCE: TOML line N: <description>".
nlohmann::json toml_text_to_json(const std::string& text, const std::string& source);

}  // namespace lq
