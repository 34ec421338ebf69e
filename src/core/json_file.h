// Reading a JSON file, done once for every reader (result files, plans, experiments, configs):
// the file named in one line when it is missing, unreadable or not JSON.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace lq {

// The parsed content of `path`. Fails "PATH: no such file", "PATH: cannot open: ..." or
// "PATH: not valid JSON: <parser's message without its tag>" (a number beyond double's range,
// 1e999, is out_of_range in nlohmann::json and reported the same way).
nlohmann::json read_json_file(const std::string& path);

// The same for JSON text read elsewhere (a file already in memory); `where` names its source.
nlohmann::json parse_json_text(const std::string& text, const std::string& where);

}  // namespace lq
