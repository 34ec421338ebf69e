// Every result file langquant writes for programs (JSON) carries "schema_version": the version
// of its layout. A reader accepts the versions it knows and refuses any other in one line, so a
// file from a newer langquant is never misread. Files written before versioning have no key and
// are read as version 1 (their layout is version 1's).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace lq {

inline constexpr const char* kSchemaVersionKey = "schema_version";

// Sets j["schema_version"] = version (j must be an object).
void stamp_schema_version(nlohmann::json& j, int version);

// The version of `j` (1 when absent). Fails "PATH: <kind> file of schema_version N; this
// langquant reads versions 1..max (a newer langquant wrote it?)" for any version above
// `max_supported`, and names a schema_version that is not a positive integer.
int check_schema_version(const nlohmann::json& j, const std::string& path, const std::string& kind,
                         int max_supported);

}  // namespace lq
