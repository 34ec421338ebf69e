#include "formats/toml_json.h"

#include <toml++/toml.h>

#include "core/error.h"

namespace lq {
namespace {

nlohmann::json to_json(const toml::node& n) {
  if (const auto* t = n.as_table()) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : *t) j[std::string(k.str())] = to_json(v);
    return j;
  }
  if (const auto* a = n.as_array()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& v : *a) j.push_back(to_json(v));
    return j;
  }
  if (const auto* s = n.as_string()) return s->get();
  if (const auto* i = n.as_integer()) return i->get();
  if (const auto* f = n.as_floating_point()) return f->get();
  if (const auto* b = n.as_boolean()) return b->get();
  return nlohmann::json();
}

}  // namespace

nlohmann::json toml_text_to_json(const std::string& text, const std::string& source) {
  toml::table t;
  try {
    t = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    fail(source, "TOML line " + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  return to_json(t);
}

}  // namespace lq
