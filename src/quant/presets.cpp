#include "quant/presets.h"

#include "quant/llama_mixture.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>

#include "core/error.h"

namespace lq::quant {
namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

struct Fixed {
  const char* name;
  const char* rules;  // one-line rules with FMT standing for the keep format
  const char* description;
};

constexpr Fixed kFixed[] = {
    {"none", "", "every tensor at the base format"},
    {"layer0", "keep FMT layers=first", "block 0 kept"},
    {"first3", "keep FMT layers=first3", "the first three blocks kept"},
    {"mlp-only", "keep FMT component=mlp", "every MLP tensor (ffn_norm, ffn_up, ffn_down) kept"},
    {"attn-only", "keep FMT component=attention", "every attention tensor (attn_norm, qkv, output) kept"},
    {"embeddings-only", "keep FMT component=embeddings",
     "token and position embeddings kept (the tied output head with them)"},
    {"L0+L11", "keep FMT layers=first,last", "first and last blocks kept (L0, L11 on 12 layers)"},
    {"L0+L11+ln_f+biases", "keep FMT layers=first,last; keep FMT name=output_norm.*; keep FMT kind=bias",
     "first and last blocks, the final norm and every linear bias kept"},
    {"L0+L9+L11+biases+ln_f", "keep FMT layers=first,75%,last; keep FMT kind=bias; keep FMT name=output_norm.*",
     "first block, the block at 75% depth (L9 of 12, L18 of 24), last block, biases and final norm kept"},
    {"even-layers", "keep FMT layers=even", "blocks 0, 2, 4, ... kept"},
    {"odd-layers", "keep FMT layers=odd", "blocks 1, 3, 5, ... kept"},
};

std::string replace_fmt(std::string s, const std::string& fmt) {
  for (size_t p; (p = s.find("FMT")) != std::string::npos;) s.replace(p, 3, fmt);
  return s;
}

bool parse_k(std::string_view s, double& k) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), k);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size() && k > 0 && k <= 100;
}

}  // namespace

const std::vector<PresetInfo>& preset_list() {
  static const std::vector<PresetInfo> list = [] {
    std::vector<PresetInfo> v;
    for (const auto& f : kFixed) v.push_back({f.name, f.description});
    v.push_back({"magnitude-k", "per tensor, the k% of weights largest in |w| kept (e.g. magnitude-5; "
                                "magnitude-global-5 ranks all tensors together)"});
    v.push_back({"random-k", "per tensor, a random k% of weights kept (e.g. random-5, random-5-seed3)"});
    return v;
  }();
  return list;
}

bool find_preset(std::string_view name, const Format& base, const Format& keep, Plan& out) {
  const std::string n = lower(name), fmt = canonical_name(keep);
  std::string rules;
  bool found = false;
  for (const auto& f : kFixed)
    if (lower(f.name) == n) {
      rules = replace_fmt(f.rules, fmt);
      found = true;
      out.name = f.name;
    }
  double k = 0;
  if (!found && n.rfind("magnitude-", 0) == 0) {
    std::string_view rest = std::string_view(n).substr(10);
    const bool global = rest.rfind("global-", 0) == 0;
    if (global) rest.remove_prefix(7);
    if (parse_k(rest, k)) {
      rules = "keep " + fmt + " top=" + std::string(rest) + "%" + (global ? " scope=global" : "");
      found = true;
      out.name = std::string(name);
    }
  }
  if (!found && n.rfind("random-", 0) == 0) {
    std::string_view rest = std::string_view(n).substr(7);
    std::string seed = "0";
    if (const size_t s = rest.find("-seed"); s != std::string_view::npos) {
      seed = std::string(rest.substr(s + 5));
      rest = rest.substr(0, s);
    }
    uint64_t sv = 0;
    auto [p, ec] = std::from_chars(seed.data(), seed.data() + seed.size(), sv);
    if (parse_k(rest, k) && ec == std::errc() && p == seed.data() + seed.size()) {
      rules = "keep " + fmt + " random=" + std::string(rest) + "% seed=" + seed;
      found = true;
      out.name = std::string(name);
    }
  }
  if (!found) return false;
  out.base = base;
  out.rules.clear();
  if (!rules.empty()) {
    const Plan p = parse_plan_line("base=" + canonical_name(base) + "; " + rules);
    out.rules = p.rules;
  }
  return true;
}

Format parse_preset_base(const std::string& where, const std::string& name) {
  if (is_llama_mixture(name))
    fail(where, "'" + name + "' is llama.cpp's mixture, which a preset cannot take as its base; use the plain format '" +
                    lower(name) + "', or write the mixture as a plan: 'base=" + name + "; keep ...'");
  return parse_format(name);
}

Plan load_plan(const std::string& spec, const Format& base, const Format& keep) {
  Plan p;
  if (find_preset(spec, base, keep, p)) return p;
  const std::string ext = lower(std::filesystem::path(spec).extension().string());
  if (ext == ".toml" || ext == ".json") {
    if (!std::filesystem::exists(spec)) fail(spec, "plan file not found");
    return ext == ".toml" ? parse_plan_toml(spec) : parse_plan_json(spec);
  }
  if (spec.find('=') == std::string::npos && spec.find(' ') == std::string::npos)
    fail("plan '" + spec + "'", "no such preset (see 'langquant plan list'), plan file or one-line plan");
  return parse_plan_line(spec);
}

}  // namespace lq::quant
