#include "core/schema_version.h"

#include "core/error.h"

namespace lq {

void stamp_schema_version(nlohmann::json& j, int version) { j[kSchemaVersionKey] = version; }

int check_schema_version(const nlohmann::json& j, const std::string& path, const std::string& kind,
                         int max_supported) {
  if (!j.is_object()) fail(path, "not a " + kind + " file (expected a JSON object)");
  const auto it = j.find(kSchemaVersionKey);
  if (it == j.end()) return 1;
  if (!it->is_number_integer() || it->get<int64_t>() < 1)
    fail(path, std::string(kSchemaVersionKey) + " must be a positive integer, not " + it->dump());
  const int64_t v = it->get<int64_t>();
  if (v > max_supported)
    fail(path, kind + " file of schema_version " + std::to_string(v) + "; this langquant reads versions 1.." +
                   std::to_string(max_supported) + " (written by a newer langquant?)");
  return static_cast<int>(v);
}

}  // namespace lq
