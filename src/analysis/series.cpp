#include "analysis/series.h"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "analysis/language_metadata.h"
#include "core/error.h"
#include "core/json_file.h"

namespace lq::analysis {
namespace {

using json = nlohmann::json;
const char* const kKeyColumns[] = {"layer", "lang", "language", "name", "key", "tensor"};

struct Spec {
  std::string path, field;
  std::vector<std::pair<std::string, std::string>> filters;
};

Spec parse_spec(const std::string& s) {
  Spec spec;
  std::string rest = s;
  if (auto q = rest.find('?'); q != std::string::npos) {
    std::stringstream fs(rest.substr(q + 1));
    std::string f;
    while (std::getline(fs, f, '&')) {
      const auto eq = f.find('=');
      if (eq == std::string::npos || eq == 0) fail(s, "filter '" + f + "' is not COL=VALUE");
      spec.filters.emplace_back(f.substr(0, eq), f.substr(eq + 1));
    }
    rest.resize(q);
  }
  // The field follows the last ':' unless that ':' is part of a path (a '/' after it).
  if (auto c = rest.rfind(':'); c != std::string::npos && rest.find('/', c) == std::string::npos) {
    spec.field = rest.substr(c + 1);
    rest.resize(c);
  }
  spec.path = rest;
  if (spec.path.empty()) fail(s, "no file named");
  return spec;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One CSV line into fields (RFC 4180 quoting: "a,b" and "" for a quote; no newlines in fields).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else out.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

// Records as JSON objects whatever the source, so that keys, filters and values share one path.
struct Records {
  std::vector<json> rows;
  std::string value_path;  // dotted path of the value inside a row
  std::string first_column;  // CSV only: the default key column
};

Records read_csv(const Spec& spec) {
  std::ifstream in(spec.path);
  if (!in) fail(spec.path, "cannot open");
  std::string line;
  if (!std::getline(in, line)) fail(spec.path, "empty file (a CSV series needs a header row)");
  const auto header = split_csv(line);
  if (header.size() < 2) fail(spec.path, "needs at least two columns (key, value)");
  Records r;
  r.first_column = header[0];
  r.value_path = spec.field.empty() ? header[1] : spec.field;
  bool found = false;
  for (const auto& h : header) found |= h == r.value_path;
  if (!found) fail(spec.path, "no column '" + r.value_path + "'");
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    const auto f = split_csv(line);
    if (f.size() != header.size())
      fail(spec.path + ":" + std::to_string(line_no),
           std::to_string(f.size()) + " fields, the header has " + std::to_string(header.size()));
    json row = json::object();
    for (size_t i = 0; i < f.size(); ++i) row[header[i]] = f[i];
    r.rows.push_back(std::move(row));
  }
  return r;
}

std::vector<std::string> split_path(const std::string& p) {
  std::vector<std::string> out;
  std::stringstream ss(p);
  std::string t;
  while (std::getline(ss, t, '.')) out.push_back(t);
  return out;
}

// Follows the dotted path from `node`; every array met on the way fans out into its elements,
// each a record that inherits its parents' scalar fields (so "languages.layers.mean_abs"
// gives one record per language and layer, carrying both "lang" and "layer").
void expand(const json& node, const std::vector<std::string>& tokens, size_t i, json inherited, Records& r,
            const Spec& spec) {
  if (node.is_array()) {
    for (const auto& e : node) {
      if (!e.is_object()) fail(spec.path, "'" + spec.field + "': an array on the path holds a non-object");
      expand(e, tokens, i, inherited, r, spec);
    }
    return;
  }
  if (!node.is_object()) fail(spec.path, "'" + spec.field + "' does not lead to records");
  for (const auto& [k, v] : node.items())
    if (!v.is_structured()) inherited[k] = v;
  if (i + 1 >= tokens.size()) {
    const std::string& last = tokens.empty() ? std::string() : tokens.back();
    const json* target = tokens.empty() ? &node : (node.contains(last) ? &node[last] : nullptr);
    if (target && target->is_object()) {  // a map of key -> number
      for (const auto& [k, v] : target->items()) {
        json rec = inherited;
        rec["key"] = k;
        rec["value"] = v;
        r.rows.push_back(std::move(rec));
      }
      r.value_path = "value";
      return;
    }
    r.rows.push_back(inherited);  // the value is looked up (and checked) in the record
    r.value_path = last;
    return;
  }
  if (!node.contains(tokens[i])) fail(spec.path, "no '" + tokens[i] + "' on the path '" + spec.field + "'");
  expand(node[tokens[i]], tokens, i + 1, std::move(inherited), r, spec);
}

Records read_json(const Spec& spec) {
  const json root = read_json_file(spec.path);
  if (spec.field.empty()) fail(spec.path, "name the value to read, e.g. " + spec.path + ":layers.variance");
  Records r;
  expand(root, split_path(spec.field), 0, json::object(), r, spec);
  return r;
}

const json* lookup(const json& row, const std::string& dotted) {
  const json* cur = &row;
  for (const auto& t : split_path(dotted)) {
    if (!cur->is_object() || !cur->contains(t)) return nullptr;
    cur = &(*cur)[t];
  }
  return cur;
}

std::string as_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return v.dump();
}

// One record per language of the table: its code as "lang", every column, and for
// COLUMN=VALUE the indicator as "value" (null where COLUMN is unknown).
Records read_languages(const Spec& spec, const std::string& languages_file) {
  const LanguageTable t = languages_file.empty() ? LanguageTable::builtin()
                                                 : LanguageTable::with_overrides(LanguageTable::builtin(), languages_file);
  if (spec.field.empty()) fail(spec.path, "name a column, e.g. @languages:script=Latn");
  const auto eq = spec.field.find('=');
  const std::string column = spec.field.substr(0, eq);
  if (!t.has_column(column)) {
    std::string cols;
    for (const auto& c : t.columns()) cols += (cols.empty() ? "" : ", ") + c;
    fail(spec.path, "the language table has no column '" + column + "' (columns: " + cols + ")");
  }
  Records r;
  r.value_path = eq == std::string::npos ? column : "value";
  for (const auto& code : t.codes()) {
    json row = {{"lang", code}};
    for (const auto& c : t.columns())
      if (c != "code") row[c] = t.get(code, c);
    if (eq != std::string::npos) {
      const std::string v = t.get(code, column);
      row["value"] = v.empty() ? json(nullptr) : json(v == spec.field.substr(eq + 1) ? 1 : 0);
    }
    r.rows.push_back(std::move(row));
  }
  return r;
}

}  // namespace

Series read_series(const std::string& spec_text, const std::string& key_column, const std::string& languages_file) {
  const Spec spec = parse_spec(spec_text);
  const Records recs = spec.path == kLanguagesSource ? read_languages(spec, languages_file)
                       : ends_with(spec.path, ".csv") ? read_csv(spec)
                                                      : read_json(spec);
  Series s;
  s.spec = spec_text;
  std::set<std::string> seen;
  for (const auto& row : recs.rows) {
    bool keep = true;
    for (const auto& [col, want] : spec.filters) {
      const json* v = lookup(row, col);
      if (!v) fail(spec_text, "filter column '" + col + "' is not in every record");
      keep &= as_text(*v) == want;
    }
    if (!keep) continue;
    std::string key_col = key_column;
    if (key_col.empty()) {
      for (const char* k : kKeyColumns)
        if (row.contains(k)) {
          key_col = k;
          break;
        }
      if (key_col.empty()) key_col = recs.first_column;
    }
    const json* key = key_col.empty() ? nullptr : lookup(row, key_col);
    if (!key) fail(spec_text, "a record has no key column" + (key_col.empty() ? std::string() : " '" + key_col + "'") +
                                  " (name one with --key)");
    const json* val = lookup(row, recs.value_path);
    if (!val) fail(spec_text, "a record has no '" + recs.value_path + "'");
    double x;
    if (val->is_null() || (val->is_string() && val->get<std::string>().empty())) {
      ++s.skipped;
      continue;
    } else if (val->is_number()) {
      x = val->get<double>();
    } else if (val->is_string()) {
      const std::string t = val->get<std::string>();
      size_t used = 0;
      try {
        x = std::stod(t, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != t.size() || used == 0) fail(spec_text, "value '" + t + "' of key " + as_text(*key) + " is not a number");
    } else {
      fail(spec_text, "value of key " + as_text(*key) + " is not a number: " + val->dump());
    }
    const std::string k = as_text(*key);
    if (!seen.insert(k).second)
      fail(spec_text, "key '" + k + "' appears twice (select one record per key with ?COL=VALUE)");
    s.keys.push_back(k);
    s.values.push_back(x);
  }
  if (s.keys.empty()) fail(spec_text, "no records with a value");
  return s;
}

Paired join(const Series& x, const Series& y) {
  std::map<std::string, double> ymap;
  for (size_t i = 0; i < y.keys.size(); ++i) ymap[y.keys[i]] = y.values[i];
  Paired p;
  for (size_t i = 0; i < x.keys.size(); ++i)
    if (auto it = ymap.find(x.keys[i]); it != ymap.end()) {
      p.keys.push_back(x.keys[i]);
      p.x.push_back(x.values[i]);
      p.y.push_back(it->second);
    }
  return p;
}

}  // namespace lq::analysis
