#include "formats/model_config.h"

#include <filesystem>

#include "core/error.h"
#include "core/json_file.h"
#include "core/mapped_file.h"

namespace lq {

ModelConfig ModelConfig::load(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) fail(dir, fs::exists(dir) ? "not a folder (expected a checkpoint folder)" : "no such checkpoint folder");
  const std::string path = (fs::path(dir) / "config.json").string();
  if (!fs::exists(path)) fail(path, "missing (a Hugging Face checkpoint folder has a config.json)");
  return from_json(read_json_file(path), path);
}

ModelConfig ModelConfig::from_json(nlohmann::json j, std::string path) {
  if (!j.is_object()) fail(path, "not a JSON object");
  ModelConfig c;
  c.raw_ = std::move(j);
  c.path_ = std::move(path);
  c.model_type_ = c.get_string({"model_type"}, "");
  if (auto a = c.raw_.find("architectures"); a != c.raw_.end() && a->is_array())
    for (const auto& s : *a)
      if (s.is_string()) c.architectures_.push_back(s.get<std::string>());
  return c;
}

const nlohmann::json* ModelConfig::find(std::initializer_list<const char*> keys) const {
  for (const char* k : keys)
    if (auto it = raw_.find(k); it != raw_.end() && !it->is_null()) return &*it;
  return nullptr;
}

bool ModelConfig::has(const char* key) const { return find({key}) != nullptr; }

void ModelConfig::missing(std::initializer_list<const char*> keys) const {
  std::string names;
  for (const char* k : keys) names += (names.empty() ? "'" : " or '") + std::string(k) + "'";
  fail(path_, "missing required key " + names);
}

static std::string first_key(std::initializer_list<const char*> keys) { return *keys.begin(); }

int64_t ModelConfig::get_int(std::initializer_list<const char*> keys) const {
  const nlohmann::json* v = find(keys);
  if (!v) missing(keys);
  if (!v->is_number_integer()) fail(path_, "'" + first_key(keys) + "' must be an integer");
  return v->get<int64_t>();
}

double ModelConfig::get_float(std::initializer_list<const char*> keys) const {
  const nlohmann::json* v = find(keys);
  if (!v) missing(keys);
  if (!v->is_number()) fail(path_, "'" + first_key(keys) + "' must be a number");
  return v->get<double>();
}

int64_t ModelConfig::get_int(std::initializer_list<const char*> keys, int64_t def) const {
  return find(keys) ? get_int(keys) : def;
}

double ModelConfig::get_float(std::initializer_list<const char*> keys, double def) const {
  return find(keys) ? get_float(keys) : def;
}

std::optional<int64_t> ModelConfig::find_int(std::initializer_list<const char*> keys) const {
  if (!find(keys)) return std::nullopt;
  return get_int(keys);
}

bool ModelConfig::get_bool(std::initializer_list<const char*> keys, bool def) const {
  const nlohmann::json* v = find(keys);
  if (!v) return def;
  if (!v->is_boolean()) fail(path_, "'" + first_key(keys) + "' must be true or false");
  return v->get<bool>();
}

std::string ModelConfig::get_string(std::initializer_list<const char*> keys, const std::string& def) const {
  const nlohmann::json* v = find(keys);
  if (!v) return def;
  if (!v->is_string()) fail(path_, "'" + first_key(keys) + "' must be a string");
  return v->get<std::string>();
}

}  // namespace lq
