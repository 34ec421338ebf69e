// config.json of a Hugging Face checkpoint, with typed accessors whose errors name the file
// and the key. Architectures read their hyper-parameters through this.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace lq {

class ModelConfig {
 public:
  static ModelConfig load(const std::string& checkpoint_dir);
  static ModelConfig from_json(nlohmann::json j, std::string path);

  const std::string& path() const { return path_; }
  const std::string& model_type() const { return model_type_; }
  const std::vector<std::string>& architectures() const { return architectures_; }
  const nlohmann::json& raw() const { return raw_; }

  // Required values: the first key present among the aliases (e.g. {"n_embd", "hidden_size"}).
  int64_t get_int(std::initializer_list<const char*> keys) const;
  double get_float(std::initializer_list<const char*> keys) const;
  // Optional values: the default when every alias is absent or null.
  int64_t get_int(std::initializer_list<const char*> keys, int64_t def) const;
  double get_float(std::initializer_list<const char*> keys, double def) const;
  bool get_bool(std::initializer_list<const char*> keys, bool def) const;
  std::string get_string(std::initializer_list<const char*> keys, const std::string& def) const;
  std::optional<int64_t> find_int(std::initializer_list<const char*> keys) const;
  bool has(const char* key) const;

 private:
  const nlohmann::json* find(std::initializer_list<const char*> keys) const;
  [[noreturn]] void missing(std::initializer_list<const char*> keys) const;
  nlohmann::json raw_;
  std::string path_, model_type_;
  std::vector<std::string> architectures_;
};

}  // namespace lq
