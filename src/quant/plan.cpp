#include "quant/plan.h"

#include "quant/llama_mixture.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_error.h"
#include "core/json_file.h"
#include "core/mapped_file.h"
#include "formats/toml_json.h"

namespace lq::quant {
namespace {

using KV = std::vector<std::pair<std::string, std::string>>;

std::string trim(std::string_view s) {
  size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string_view::npos ? std::string() : std::string(s.substr(a, b - a + 1));
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t d = s.find(sep, start);
    out.push_back(trim(s.substr(start, d == std::string_view::npos ? d : d - start)));
    if (d == std::string_view::npos) return out;
    start = d + 1;
  }
}

// Values in the one-line form may be double-quoted, with \" and \\ escapes inside the quotes,
// so that any glob or file name survives plan_to_line: outside quotes ';' ends a clause and
// blanks end a selector. Splits at sep (blanks when sep == ' ') outside quotes, keeping the
// quotes in the pieces; fails on an unterminated quote.
std::vector<std::string> split_outside_quotes(const std::string& where, std::string_view s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  auto is_sep = [sep](char c) { return sep == ' ' ? c == ' ' || c == '\t' || c == '\r' || c == '\n' : c == sep; };
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted && c == '\\' && i + 1 < s.size()) {
      cur += c;
      cur += s[++i];
    } else if (c == '"') {
      quoted = !quoted;
      cur += c;
    } else if (!quoted && is_sep(c)) {
      if (sep != ' ' || !cur.empty()) out.push_back(sep == ' ' ? cur : trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (quoted) fail(where, "unterminated '\"'");
  if (sep != ' ' || !cur.empty()) out.push_back(sep == ' ' ? cur : trim(cur));
  return out;
}

// Removes the quotes of a value split_outside_quotes kept (and resolves their escapes).
std::string unquote(std::string_view s) {
  std::string out;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') quoted = !quoted;
    else if (quoted && s[i] == '\\' && i + 1 < s.size()) out += s[++i];
    else out += s[i];
  }
  return out;
}

// The inverse of unquote for plan_to_line: quotes a value only when it needs it.
std::string quote_if_needed(const std::string& v) {
  if (!v.empty() && v.find_first_of(" \t\r\n\v\f;\"") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

bool parse_int(std::string_view s, int& v) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

double parse_percent(const std::string& where, std::string v) {
  if (!v.empty() && v.back() == '%') v.pop_back();
  double d = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || !(d > 0 && d <= 100))
    fail(where, "'" + v + "' is not a percentage in (0, 100], e.g. 5%");
  return d;
}

LayerTerm parse_layer_term(const std::string& where, const std::string& s) {
  LayerTerm t;
  int v = 0;
  if (s == "odd") return t.kind = LayerTerm::Odd, t;
  if (s == "even") return t.kind = LayerTerm::Even, t;
  for (auto [word, kind] : {std::pair{"first", LayerTerm::First}, std::pair{"last", LayerTerm::Last}})
    if (s.rfind(word, 0) == 0) {
      const std::string rest = s.substr(std::string(word).size());
      t.kind = kind;
      t.a = 1;
      if (rest.empty() || (parse_int(rest, t.a) && t.a >= 1)) return t;
    }
  if (!s.empty() && s.back() == '%' && parse_int(s.substr(0, s.size() - 1), v) && v >= 0 && v <= 100)
    return t.kind = LayerTerm::Depth, t.a = v, t;
  if (const size_t dots = s.find(".."); dots != std::string::npos) {
    if (parse_int(s.substr(0, dots), t.a) && parse_int(s.substr(dots + 2), t.b)) return t.kind = LayerTerm::Range, t;
  } else if (parse_int(s, t.a)) {
    return t.kind = LayerTerm::Index, t;
  }
  fail(where, "bad layer '" + s + "': use N, -N (from the end), A..B, odd, even, first[N], last[N] or P% (depth)");
}

std::string layer_term_text(const LayerTerm& t) {
  switch (t.kind) {
    case LayerTerm::Index: return std::to_string(t.a);
    case LayerTerm::Range: return std::to_string(t.a) + ".." + std::to_string(t.b);
    case LayerTerm::Odd: return "odd";
    case LayerTerm::Even: return "even";
    case LayerTerm::First: return t.a == 1 ? "first" : "first" + std::to_string(t.a);
    case LayerTerm::Last: return t.a == 1 ? "last" : "last" + std::to_string(t.a);
    case LayerTerm::Depth: return std::to_string(t.a) + "%";
  }
  return "?";
}

std::string percent_text(double p) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, p);
  return std::string(buf, r.ptr) + "%";
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
  return s;
}

std::string rule_text(const Rule& r) {
  std::string s = "keep " + canonical_name(r.format);
  if (!r.names.empty()) s += " name=" + quote_if_needed(join(r.names));
  if (!r.layers.empty()) {
    std::vector<std::string> t;
    for (const auto& l : r.layers) t.push_back(layer_term_text(l));
    s += " layers=" + join(t);
  }
  if (!r.kinds.empty()) {
    std::vector<std::string> t;
    for (auto k : r.kinds) t.emplace_back(kind_name(k));
    s += " kind=" + join(t);
  }
  if (!r.components.empty()) {
    std::vector<std::string> t;
    for (auto c : r.components) t.emplace_back(component_name(c));
    s += " component=" + join(t);
  }
  if (r.elements.kind == ElementSelector::Top) s += " top=" + percent_text(r.elements.percent);
  if (!r.elements.fisher_file.empty())
    s += " by=" + quote_if_needed("fisher:" + r.elements.fisher_file +
                                  (r.elements.fisher_sets.empty() ? "" : ":" + join(r.elements.fisher_sets)));
  if (!r.elements.neurons_file.empty())
    s += " by=" + quote_if_needed("neurons:" + r.elements.neurons_file +
                                  (r.elements.neurons_langs.empty() ? "" : ":" + join(r.elements.neurons_langs)));
  if (r.elements.kind == ElementSelector::Random)
    s += " random=" + percent_text(r.elements.percent) + " seed=" + std::to_string(r.elements.seed);
  if (r.elements.global) s += " scope=global";
  return s;
}

// by=magnitude (the default), by=fisher:FILE[:SET,SET...] or by=neurons:FILE[:LANG,LANG...];
// FILE must not contain ':', so the first ':' after it starts the sets, which may hold ':'
// themselves (group:lr).
void parse_by(const std::string& w, const std::string& value, ElementSelector& e) {
  e.fisher_file.clear();
  e.fisher_sets.clear();
  e.neurons_file.clear();
  e.neurons_langs.clear();
  if (value == "magnitude") return;
  const bool fisher = value.starts_with("fisher:"), neurons = value.starts_with("neurons:");
  const size_t prefix = fisher ? 7 : 8;
  if ((!fisher && !neurons) || value.size() == prefix)
    fail(w, "by must be magnitude, fisher:FILE[:SETS] or neurons:FILE[:LANGS] (e.g. by=fisher:f.safetensors:ar,he)");
  const std::string rest = value.substr(prefix);
  const size_t colon = rest.find(':');
  std::string& file = fisher ? e.fisher_file : e.neurons_file;
  std::vector<std::string>& sets = fisher ? e.fisher_sets : e.neurons_langs;
  file = rest.substr(0, colon);
  if (colon != std::string::npos) {
    for (auto& s : split(rest.substr(colon + 1), ',')) {
      if (s.empty()) fail(w, "empty set or language name (expected e.g. :ar,he)");
      sets.push_back(s);
    }
  }
  if (file.empty()) fail(w, std::string("by=") + (fisher ? "fisher" : "neurons") + ": needs a file");
}

Rule make_rule(const std::string& where, const std::string& format, const KV& kv) {
  Rule r;
  r.format = parse_format(format);
  bool has_seed = false, has_scope = false, has_by = false;
  for (const auto& [key, value] : kv) {
    const std::string w = where + ": " + key + "=" + value;
    if (value.empty()) fail(w, "empty value");
    if (key == "name") {
      for (auto& g : split(value, ',')) r.names.push_back(g);
    } else if (key == "layers" || key == "layer") {
      for (auto& t : split(value, ',')) r.layers.push_back(parse_layer_term(w, t));
    } else if (key == "kind") {
      for (auto& k : split(value, ',')) {
        if (k == "weight") r.kinds.push_back(TensorKind::Weight);
        else if (k == "bias") r.kinds.push_back(TensorKind::Bias);
        else if (k == "norm") r.kinds.push_back(TensorKind::Norm);
        else fail(w, "kind must be weight, bias or norm");
      }
    } else if (key == "component" || key == "comp") {
      for (auto& c : split(value, ',')) {
        if (c == "embeddings") r.components.push_back(Component::Embeddings);
        else if (c == "attention" || c == "attn") r.components.push_back(Component::Attention);
        else if (c == "mlp" || c == "ffn") r.components.push_back(Component::Mlp);
        else if (c == "output") r.components.push_back(Component::Output);
        else fail(w, "component must be embeddings, attention, mlp or output");
      }
    } else if (key == "top" || key == "random") {
      if (r.elements.kind != ElementSelector::None) fail(w, "a rule has at most one of top= and random=");
      r.elements.kind = key == "top" ? ElementSelector::Top : ElementSelector::Random;
      r.elements.percent = parse_percent(w, value);
    } else if (key == "seed") {
      uint64_t s = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), s);
      if (ec != std::errc() || p != value.data() + value.size()) fail(w, "seed must be a non-negative integer");
      r.elements.seed = s;
      has_seed = true;
    } else if (key == "by") {
      parse_by(w, value, r.elements);
      has_by = true;
    } else if (key == "scope") {
      if (value != "tensor" && value != "global") fail(w, "scope must be tensor or global");
      r.elements.global = value == "global";
      has_scope = true;
    } else {
      fail(w, "unknown selector; valid: name=, layers=, kind=, component=, top=, random=, seed=, scope=, by=");
    }
  }
  if (has_by && r.elements.kind != ElementSelector::Top) fail(where, "by= needs top=");
  if (has_seed && r.elements.kind != ElementSelector::Random) fail(where, "seed= needs random=");
  if (has_scope && r.elements.kind == ElementSelector::None) fail(where, "scope= needs top= or random=");
  if (r.elements.kind != ElementSelector::None && is_ggml_block(r.format.kind))
    fail(where, "elements kept by top=/random= need fp32, fp16, bf16 or an int format, not " +
                    canonical_name(r.format) + " (ggml blocks need whole rows)");
  r.text = rule_text(r);
  return r;
}

// Plan from already-split pieces (shared by the line, TOML and JSON forms).
struct PlanParts {
  std::string name, base;
  std::vector<Rule> rules;
  bool pure = false;
  std::string output_type, token_embd_type;
  std::string imatrix;
};

Plan finish(const std::string& where, PlanParts&& p) {
  if (p.base.empty()) fail(where, "plan has no base format (base=FMT)");
  Plan plan;
  plan.name = p.name;
  if (is_llama_mixture(p.base)) {
    plan.mixture = p.base;
    plan.base = llama_mixture_default(p.base);
  } else {
    plan.base = parse_format(p.base);
    if (p.pure || !p.output_type.empty() || !p.token_embd_type.empty())
      fail(where, "pure, output_tensor_type and token_embedding_type need a llama.cpp mixture as base (e.g. base=Q4_K_M)");
  }
  plan.pure = p.pure;
  if (!p.output_type.empty()) plan.output_type = parse_format(p.output_type);
  if (!p.token_embd_type.empty()) plan.token_embd_type = parse_format(p.token_embd_type);
  plan.rules = std::move(p.rules);
  plan.imatrix = std::move(p.imatrix);
  if (plan.name.empty()) plan.name = plan_to_line(plan);
  return plan;
}

std::string scalar_text(const std::string& where, const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v.get<double>());
    return std::string(buf, r.ptr);
  }
  if (v.is_array()) {
    std::vector<std::string> parts;
    for (const auto& e : v) parts.push_back(scalar_text(where, e));
    return join(parts);
  }
  fail(where, "expected a string, number or list, got " + v.dump());
}

Plan plan_from_json(const std::string& where, const nlohmann::json& j) {
  if (!j.is_object()) fail(where, "a plan is an object with base, optional name, and rules");
  PlanParts p;
  for (const auto& [key, v] : j.items()) {
    if (key == "name") p.name = scalar_text(where, v);
    else if (key == "base") p.base = scalar_text(where, v);
    else if (key == "pure") p.pure = v.is_boolean() ? v.get<bool>() : scalar_text(where, v) == "true";
    else if (key == "output_tensor_type") p.output_type = scalar_text(where, v);
    else if (key == "token_embedding_type") p.token_embd_type = scalar_text(where, v);
    else if (key == "imatrix") p.imatrix = scalar_text(where, v);
    else if (key == "rules") {
      if (!v.is_array()) fail(where, "rules must be a list");
      for (size_t i = 0; i < v.size(); ++i) {
        const std::string w = where + ": rules[" + std::to_string(i) + "]";
        if (v[i].is_string()) {
          p.rules.push_back(parse_rule(v[i].get<std::string>()));
          continue;
        }
        if (!v[i].is_object()) fail(w, "a rule is a one-line rule string or an object");
        std::string format;
        KV kv;
        for (const auto& [rk, rv] : v[i].items()) {
          if (rk == "format" || rk == "keep") format = scalar_text(w, rv);
          else kv.emplace_back(rk, scalar_text(w + "." + rk, rv));
        }
        if (format.empty()) fail(w, "rule has no format");
        p.rules.push_back(make_rule(w, format, kv));
      }
    } else {
      fail(where, "unknown key '" + key +
                        "' (valid: name, base, rules, pure, output_tensor_type, token_embedding_type, imatrix)");
    }
  }
  return finish(where, std::move(p));
}

}  // namespace

bool glob_match(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++pi, ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++, mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1, si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::vector<int> resolve_layers(const std::vector<LayerTerm>& terms, int n) {
  std::set<int> out;
  auto index = [n](int i, const LayerTerm& t) {
    const int r = i < 0 ? n + i : i;
    if (r < 0 || r >= n)
      fail("layers=" + layer_term_text(t), "layer " + std::to_string(i) + " is outside a model of " +
                                               std::to_string(n) + " layers (0.." + std::to_string(n - 1) + ")");
    return r;
  };
  for (const auto& t : terms) {
    switch (t.kind) {
      case LayerTerm::Index: out.insert(index(t.a, t)); break;
      case LayerTerm::Range: {
        const int a = index(t.a, t), b = index(t.b, t);
        for (int i = std::min(a, b); i <= std::max(a, b); ++i) out.insert(i);
        break;
      }
      case LayerTerm::Odd:
      case LayerTerm::Even:
        for (int i = t.kind == LayerTerm::Odd ? 1 : 0; i < n; i += 2) out.insert(i);
        break;
      case LayerTerm::First:
        for (int i = 0; i < std::min(t.a, n); ++i) out.insert(i);
        break;
      case LayerTerm::Last:
        for (int i = std::max(0, n - t.a); i < n; ++i) out.insert(i);
        break;
      case LayerTerm::Depth:  // the layer holding the point at P% of the depth
        if (n > 0) out.insert(std::min(n - 1, static_cast<int>(std::floor(t.a / 100.0 * n + 1e-9))));
        break;
    }
  }
  return {out.begin(), out.end()};
}

bool Rule::selects_tensor(const TensorInfo& t, int n_layer) const {
  if (!names.empty()) {
    bool any = false;
    for (const auto& g : names)
      for (const auto& role : t.roles) any = any || glob_match(g, role);
    if (!any) return false;
  }
  if (!layers.empty()) {
    if (t.layer < 0) return false;
    const auto ls = resolve_layers(layers, n_layer);
    if (!std::binary_search(ls.begin(), ls.end(), t.layer)) return false;
  }
  if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), t.kind) == kinds.end()) return false;
  if (!components.empty()) {
    // A tied tensor serves every role's component (GPT-2's token_embd is also output).
    bool any = false;
    for (const auto& role : t.roles)
      any = any || std::find(components.begin(), components.end(), component_of(role)) != components.end();
    if (!any) return false;
  }
  return true;
}

Rule parse_rule(std::string_view clause) {
  const std::string where = "plan rule '" + trim(clause) + "'";
  const std::vector<std::string> words = split_outside_quotes(where, clause, ' ');
  const std::string verb = words.size() > 0 ? words[0] : "", format = words.size() > 1 ? words[1] : "";
  if (verb != "keep" && verb != "set") fail(where, "a rule starts with 'keep FORMAT' (or 'set FORMAT')");
  if (format.empty() || format.find('=') != std::string::npos) fail(where, "missing format after '" + verb + "'");
  KV kv;
  for (size_t i = 2; i < words.size(); ++i) {
    const std::string& tok = words[i];
    const size_t eq = tok.find('=');
    if (eq == std::string::npos) fail(where, "'" + tok + "' is not key=value");
    kv.emplace_back(tok.substr(0, eq), unquote(tok.substr(eq + 1)));
  }
  return make_rule(where, format, kv);
}

Plan parse_plan_line(std::string_view text) {
  const std::string where = "plan '" + trim(text) + "'";
  PlanParts p;
  for (const auto& clause : split_outside_quotes(where, text, ';')) {
    if (clause.empty()) continue;
    if (clause.rfind("base=", 0) == 0) p.base = unquote(trim(clause.substr(5)));
    else if (clause.rfind("plan=", 0) == 0) p.name = unquote(trim(clause.substr(5)));
    else if (trim(clause) == "pure") p.pure = true;
    else if (clause.rfind("output_tensor_type=", 0) == 0) p.output_type = unquote(trim(clause.substr(19)));
    else if (clause.rfind("token_embedding_type=", 0) == 0) p.token_embd_type = unquote(trim(clause.substr(21)));
    else if (clause.rfind("imatrix=", 0) == 0) p.imatrix = unquote(trim(clause.substr(8)));
    else p.rules.push_back(parse_rule(clause));
  }
  return finish(where, std::move(p));
}

Plan parse_plan_toml(const std::string& path) { return plan_from_json(path, toml_text_to_json(read_file(path), path)); }

Plan parse_plan_json(const std::string& path) {
  const nlohmann::json j = read_json_file(path);
  try {
    return plan_from_json(path, j);
  } catch (const nlohmann::json::exception& e) {
    fail(path, "unexpected content: " + json_problem(e));
  }
}

Plan parse_plan_value(const nlohmann::json& j, const std::string& where) {
  try {
    return plan_from_json(where, j);
  } catch (const nlohmann::json::exception& e) {
    fail(where, "unexpected content: " + json_problem(e));
  }
}

std::string plan_to_line(const Plan& p) {
  std::string s = "base=" + (p.mixture.empty() ? canonical_name(p.base) : p.mixture);
  if (p.pure) s += "; pure";
  if (p.output_type) s += "; output_tensor_type=" + canonical_name(*p.output_type);
  if (p.token_embd_type) s += "; token_embedding_type=" + canonical_name(*p.token_embd_type);
  if (!p.imatrix.empty()) s += "; imatrix=" + quote_if_needed(p.imatrix);
  for (const auto& r : p.rules) s += "; " + r.text;
  return s;
}

std::string plan_to_named_line(const Plan& p) {
  return (p.name.empty() ? "" : "plan=" + quote_if_needed(p.name) + "; ") + plan_to_line(p);
}

const std::string& plan_help() {
  static const std::string help = R"(Quantization plans: a base format for every tensor, then rules; later rules win.
One-line form: clauses separated by ';'; a value holding ';', blanks or '"' is double-quoted
  (name="a;b", with \" and \\ inside the quotes)
  base=FMT                  the format of every tensor no rule selects (required)
  plan=NAME                 optional name
  keep FMT SELECTOR...      a rule ('set' is a synonym): the tensors (or elements) it selects
                            get FMT; every selector given must match
Selectors (values are comma lists; any item may match):
  name=GLOB                 canonical tensor name (research brief section 2), * and ? wildcards,
                            e.g. blk.*.ffn_up.weight, output_norm.*
  layers=L                  block layers: N, -N (from the end: -1 = last), A..B, odd, even,
                            first, last, firstN, lastN, P% (the layer at P% of the depth:
                            floor(P/100 * n_layer); 75% -> 9 of 12, 18 of 24); tensors outside
                            the blocks never match
  kind=weight|bias|norm     (norm = layer-norm weights and biases)
  component=embeddings|attention|mlp|output
  top=K%                    only the K% of elements largest in |w| (original weights): exactly
                            ceil(K/100 * n) elements, ties broken by the lower index in [out, in]
                            order; scope=global ranks all selected tensors together (ties: lower
                            tensor index first)
  top=K% by=fisher:F[:SETS] rank by the importance tensors of `langquant fisher` (file F, which
                            must not contain ':') instead of |w|: per element the max over SETS
                            (languages, group:NAME or max, comma list; default every language
                            in F) of F_set / mean of F_set over the whole model; same counts and
                            tie rule as top=; by=magnitude is the default
  top=K% by=neurons:F[:LANGS] keep whole feed-forward units (rows of ffn_up/ffn_gate, columns
                            of ffn_down) ranked by specificity to LANGS (default every language)
                            in F, the output of `langquant neurons --out`: first units whose
                            activation probability in LANGS reaches F's threshold, lowest LAPE
                            first; ceil(K/100 * n_ff) units per layer (scope=global: of all
                            selected layers' units), so the overhead equals top=K%; other
                            tensors the rule selects keep nothing
  random=K% seed=S          exactly ceil(K/100 * n) elements drawn uniformly (seed S, default 0;
                            per tensor the seed is mixed with the tensor's canonical name);
                            scope=global draws over all selected tensors together
Tied tensors (GPT-2's token_embd.weight = output.weight) are one tensor with two roles: a name=
or component= selector matching either role selects it, and it is counted once.
Order: a whole-tensor rule replaces the tensor's format and drops elements kept by earlier
element rules; an element rule keeps its elements at FMT over whatever the tensor has.
Biases and norms take the base format too (quantized as one row), unless a rule keeps them.
A ggml block format (q4_0 ...) on a row length not a multiple of 32 falls back to fp16 for
matrices and fp32 for 1-D tensors (as llama.cpp does).
Files: TOML or JSON with keys name, base, rules; a rule is a one-line rule string or a table
with 'format' and the selector keys (values a string, number or list), e.g. TOML:
  name = "l0-last"
  base = "int4"
  [[rules]]
  format = "fp16"
  layers = [0, -1]
  [[rules]]
  format = "fp16"
  kind = "bias"
Examples:
  base=int4; keep fp16 layers=0,-1; keep fp16 kind=bias; keep fp16 name=output_norm.*
  base=int4-g128; keep fp16 top=5%
  base=int4; keep fp16 random=5% seed=3 scope=global
  base=int4; keep fp16 top=1% by=fisher:fisher.safetensors:ar,he
  base=int4; keep fp16 top=1% by=neurons:neurons.json:ar,he,hi component=mlp
  base=q4_0; keep q8_0 component=attention layers=first3
  base=Q4_K_M; keep q8_0 layers=0,-1

llama.cpp mixtures: a base spelled as llama-quantize spells a file type (upper case: Q4_K_M,
Q4_K_S, Q5_K_M, Q5_K_S, Q3_K_S, Q3_K_M, Q3_K_L, Q2_K, Q6_K, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL,
IQ4_XS) gives every tensor the type llama-quantize writes for that mixture: more bits for attn_v /
ffn_down in some layers, Q6_K (or Q8_0) for the output and a tied token embedding, 1-D tensors
F32, and llama.cpp's fallbacks where a row is not a multiple of the block (q4_k -> q5_0, q5_k ->
q5_1, q6_k -> q8_0, q2_k/q3_k -> q4_0, iq4_xs -> iq4_nl). Lower case (base=q4_0) is the plain
format on every tensor. Whole-tensor rules act as llama-quantize's --tensor-type overrides (on
quantized tensors only; the fallback still applies). Clauses for mixtures: pure (--pure),
output_tensor_type=FMT, token_embedding_type=FMT (TOML/JSON keys of the same names).

Importance matrix: imatrix=FILE or imatrix=F:MIX (TOML/JSON key imatrix) quantizes every matrix
whose format is a ggml block type with llama.cpp's importance weights (per input column
sum(x^2)/tokens of the file `langquant imatrix` or llama-imatrix wrote), as llama-quantize
--imatrix does; F:MIX mixes the per-language files `langquant imatrix --out F` wrote (MIX as
--mix: en=0.5,ar=0.5 or balanced). A matrix the file lacks quantizes without weights; q8_0,
fp16 and int formats ignore them. With any base, e.g. base=Q4_K_M; imatrix=im.gguf:balanced)";
  return help;
}

}  // namespace lq::quant
