#include "experiments/experiment.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/json_file.h"
#include "core/mapped_file.h"
#include "core/number_text.h"
#include "formats/toml_json.h"
#include "core/json_error.h"
#include "quant/percent_count.h"
#include "quant/presets.h"

namespace lq::experiments {
namespace {

using nlohmann::json;

// Numbers print without trailing zeros, so "5" not "5.000000" (plan text, names and tags).
std::string num(double v) { return format_number(v, "%.6g"); }

// A list value that may also be written as a single item.
json as_list(const json& v) { return v.is_array() ? v : json::array({v}); }

struct AxisReader {
  const Experiment& e;
  const json& axis;
  std::string where;

  [[noreturn]] void bad(const std::string& what) const { fail(e.source, where + ": " + what); }
  const json* get(const char* key) const { return axis.contains(key) ? &axis.at(key) : nullptr; }
  std::string str(const char* key, const std::string& dflt) const {
    const json* v = get(key);
    if (!v) return dflt;
    if (!v->is_string()) bad(std::string("'") + key + "' must be a string");
    return v->get<std::string>();
  }
  std::vector<double> numbers(const char* key, std::vector<double> dflt) const {
    const json* v = get(key);
    if (!v) return dflt;
    std::vector<double> r;
    for (const auto& x : as_list(*v)) {
      if (!x.is_number()) bad(std::string("'") + key + "' must hold numbers");
      r.push_back(x.get<double>());
    }
    if (r.empty()) bad(std::string("'") + key + "' is empty");
    return r;
  }
  std::vector<std::string> strings(const char* key, std::vector<std::string> dflt) const {
    const json* v = get(key);
    if (!v) return dflt;
    std::vector<std::string> r;
    for (const auto& x : as_list(*v)) {
      if (!x.is_string()) bad(std::string("'") + key + "' must hold strings");
      r.push_back(x.get<std::string>());
    }
    if (r.empty()) bad(std::string("'") + key + "' is empty");
    return r;
  }
  void only(std::initializer_list<const char*> keys) const {
    for (const auto& [k, v] : axis.items()) {
      bool ok = k == "type";
      for (const char* x : keys) ok |= k == x;
      if (!ok) bad("unknown key '" + k + "'");
    }
  }
};

struct Generator {
  const Experiment& e;
  const ModelShape& shape;
  std::vector<SweepPlan> out;

  std::string fmt(const quant::Format& f) const { return quant::canonical_name(f); }

  void add(const std::string& name, const std::string& line, json tags, const std::string& where) {
    quant::Plan p;
    try {
      p = quant::parse_plan_line(line);
    } catch (const Error& err) {
      fail(e.source, where + ": generated plan '" + line + "' is invalid: " + err.what());
    }
    p.name = name;
    const std::string text = quant::plan_to_line(p);
    for (const auto& q : out)
      if (q.name == name) {
        if (quant::plan_to_line(q.plan) == text) return;  // same plan from two axes: keep one
        fail(e.source, where + ": two different plans are named '" + name + "'");
      }
    out.push_back({name, p, std::move(tags)});
  }

  // Selector text for a component: "" (whole layer), attn/attention, ffn/mlp, or a canonical
  // part such as ffn_up (any tensor blk.N.ffn_up.*). Returns false for a part the model lacks.
  bool component_selector(const std::string& c, const std::string& layers, std::string& sel) const {
    if (c.empty() || c == "all") sel = "";
    else if (c == "attn" || c == "attention") sel = " component=attention";
    else if (c == "ffn" || c == "mlp") sel = " component=mlp";
    else {
      sel = " name=blk.*." + c + ".*";
      bool any = false;
      for (const auto& n : shape.tensor_names) any |= quant::glob_match("blk.*." + c + ".*", n);
      if (!any) return false;
    }
    (void)layers;
    return true;
  }

  static std::string comp_label(const std::string& c) {
    if (c == "attn" || c == "attention") return "attn";
    if (c == "ffn" || c == "mlp") return "mlp";
    return c == "all" ? "" : c;
  }

  void plans_axis(const AxisReader& r) {
    r.only({"plans"});
    const json* v = r.get("plans");
    if (!v) r.bad("a 'plans' axis needs 'plans' (a list of presets or one-line plans)");
    for (const auto& item : as_list(*v)) {
      std::string spec, name;
      json tags = {{"axis", "plans"}};
      if (item.is_string()) spec = item.get<std::string>();
      else if (item.is_object() && item.contains("plan") && item["plan"].is_string()) {
        spec = item["plan"].get<std::string>();
        if (item.contains("name")) {
          if (!item["name"].is_string()) r.bad("'name' of a plan must be a string");
          name = item["name"].get<std::string>();
        }
        if (item.contains("tags")) {
          if (!item["tags"].is_object()) r.bad("'tags' of a plan must be a table");
          for (const auto& [k, x] : item["tags"].items()) tags[k] = x;
        }
      } else r.bad("each item of 'plans' is a plan string or a table with 'plan' (and 'name', 'tags')");
      quant::Plan p;
      try {
        p = quant::load_plan(spec, e.base, e.keep);
      } catch (const Error& err) {
        fail(e.source, r.where + ": " + err.what());
      }
      if (name.empty()) name = p.name.empty() ? spec : p.name;
      tags["plan"] = name;
      add(name, quant::plan_to_line(p), tags, r.where);
    }
  }

  void layers_axis(const AxisReader& r) {
    r.only({"mode", "layers", "components", "skip_missing"});
    const std::string mode = r.str("mode", "single");
    std::vector<int> layers;
    if (const json* v = r.get("layers")) layers = resolve_layer_terms(*v, shape.n_layer, e.source + ": " + r.where);
    else for (int i = 0; i < shape.n_layer; ++i) layers.push_back(i);
    const auto comps = r.strings("components", {""});
    const bool skip_missing = r.get("skip_missing") && r.get("skip_missing")->is_boolean() && r.get("skip_missing")->get<bool>();
    std::vector<std::vector<int>> sets;
    if (mode == "single") {
      for (int l : layers) sets.push_back({l});
    } else if (mode == "pairs") {
      for (size_t i = 0; i < layers.size(); ++i)
        for (size_t j = i + 1; j < layers.size(); ++j) sets.push_back({layers[i], layers[j]});
    } else if (mode == "triples") {
      for (size_t i = 0; i < layers.size(); ++i)
        for (size_t j = i + 1; j < layers.size(); ++j)
          for (size_t k = j + 1; k < layers.size(); ++k) sets.push_back({layers[i], layers[j], layers[k]});
    } else if (mode == "parity") {
      if (r.get("layers")) r.bad("mode 'parity' takes no 'layers' (it keeps every odd or every even layer)");
    } else r.bad("unknown mode '" + mode + "' (single, pairs, triples, parity)");
    // A recipe's layer terms may collapse on a shallow model (first, 75% and last of 2 layers
    // are 2 layers: no triple); skip_missing accepts that, otherwise it is an error.
    if (mode != "parity" && sets.empty() && !skip_missing) r.bad("mode '" + mode + "' needs more layers than the model's " + std::to_string(layers.size()));
    for (const auto& c : comps) {
      std::string sel;
      if (!component_selector(c, "", sel)) {
        if (skip_missing) continue;
        r.bad("component '" + c + "' matches no tensor of this model");
      }
      const std::string label = comp_label(c);
      const std::string suffix = label.empty() ? "" : "-" + label;
      if (mode == "parity") {
        for (const char* par : {"odd", "even"}) {
          const std::string line = "base=" + fmt(e.base) + "; keep " + fmt(e.keep) + " layers=" + par + sel;
          add(std::string(par) + "-layers" + suffix, line,
              {{"axis", "layers"}, {"mode", "parity"}, {"parity", par}, {"component", label}}, r.where);
        }
        continue;
      }
      for (const auto& s : sets) {
        std::string list, name;
        for (int l : s) {
          list += (list.empty() ? "" : ",") + std::to_string(l);
          name += (name.empty() ? "L" : "+L") + std::to_string(l);
        }
        const std::string line = "base=" + fmt(e.base) + "; keep " + fmt(e.keep) + " layers=" + list + sel;
        json tags = {{"axis", "layers"}, {"mode", mode}, {"layers", s}, {"component", label}};
        if (s.size() == 1) tags["layer"] = s[0];
        add(name + suffix, line, tags, r.where);
      }
    }
  }

  static void check_percent(const AxisReader& r, double k) {
    if (!(k > 0 && k <= 100)) r.bad("percent " + num(k) + " is outside (0, 100]");
  }

  void elements_axis(const AxisReader& r, bool random) {
    if (random) r.only({"percents", "seeds", "scope"});
    else r.only({"percents", "scope"});
    const auto percents = r.numbers("percents", {});
    if (percents.empty()) r.bad("needs 'percents'");
    const std::string scope = r.str("scope", "tensor");
    if (scope != "tensor" && scope != "global") r.bad("scope is 'tensor' or 'global'");
    const std::string sc = scope == "global" ? " scope=global" : "";
    const auto seeds = random ? r.numbers("seeds", {0}) : std::vector<double>{0};
    for (double k : percents) {
      check_percent(r, k);
      for (double sd : seeds) {
        if (sd < 0 || sd != std::floor(sd)) r.bad("seeds are non-negative integers");
        const auto seed = static_cast<uint64_t>(sd);
        std::string name = std::string(random ? "random-" : "magnitude-") + (scope == "global" ? "global-" : "") + num(k);
        std::string line = "base=" + fmt(e.base) + "; keep " + fmt(e.keep) + (random ? " random=" : " top=") + num(k) + "%";
        json tags = {{"axis", random ? "random" : "magnitude"}, {"percent", k}, {"scope", scope}};
        if (random) {
          name += "-seed" + std::to_string(seed);
          line += " seed=" + std::to_string(seed);
          tags["seed"] = seed;
        }
        add(name, line + sc, tags, r.where);
      }
    }
  }

  quant::Plan preset(const AxisReader& r, const std::string& spec, const quant::Format& base,
                     const quant::Format& keep) const {
    try {
      return quant::load_plan(spec, base, keep);
    } catch (const Error& err) {
      fail(e.source, r.where + ": " + err.what());
    }
  }

  void precision_axis(const AxisReader& r) {
    r.only({"bases", "keeps", "protect"});
    const auto bases = r.strings("bases", {});
    if (bases.empty()) r.bad("needs 'bases' (e.g. [\"int2\", \"int4\", \"int8\"])");
    const auto keeps = r.strings("keeps", {fmt(e.keep)});
    const std::string protect = r.str("protect", "");
    for (const auto& b : bases) {
      quant::Format bf;
      try {
        bf = quant::parse_format(b);
      } catch (const Error& err) {
        fail(e.source, r.where + ": " + err.what());
      }
      add(fmt(bf), "base=" + fmt(bf), {{"axis", "precision"}, {"base", fmt(bf)}, {"keep", nullptr}, {"protect", nullptr}},
          r.where);
      if (protect.empty()) continue;
      for (const auto& k : keeps) {
        quant::Format kf;
        try {
          kf = quant::parse_format(k);
        } catch (const Error& err) {
          fail(e.source, r.where + ": " + err.what());
        }
        const quant::Plan p = preset(r, protect, bf, kf);
        add(fmt(bf) + "+" + fmt(kf) + ":" + protect, quant::plan_to_line(p),
            {{"axis", "precision"}, {"base", fmt(bf)}, {"keep", fmt(kf)}, {"protect", protect}}, r.where);
      }
    }
  }

  // Exp-014: language-specific feed-forward units against magnitude and random selections of
  // the same feed-forward weights at the same overhead. A unit is a whole row (ffn_up/gate) or
  // column (ffn_down), so the baselines keep ceil(k% * n_ff) / n_ff of each tensor: exactly the
  // units' share, whatever the rounding of k% * n_ff.
  void neurons_axis(const AxisReader& r) {
    r.only({"file", "langs", "percents", "seeds"});
    const std::string file = r.str("file", "");
    if (file.empty()) r.bad("needs 'file' (the JSON `langquant neurons --out` wrote)");
    const json meta = read_json_file(file);
    if (!meta.contains("n_ff") || !meta["n_ff"].is_number_integer() || meta["n_ff"].get<int64_t>() <= 0)
      r.bad(file + " has no n_ff (not a `langquant neurons` result?)");
    const int64_t n_ff = meta["n_ff"].get<int64_t>();
    const auto sets = r.strings("langs", {""});
    const auto percents = r.numbers("percents", {});
    if (percents.empty()) r.bad("needs 'percents'");
    const auto seeds = r.numbers("seeds", {0, 1, 2});
    const std::string head = "base=" + fmt(e.base) + "; keep " + fmt(e.keep);
    const std::string ffn = " name=blk.*.ffn_up.weight,blk.*.ffn_gate.weight,blk.*.ffn_down.weight";
    for (double k : percents) {
      check_percent(r, k);
      // Written rounded down at 1e-9 so that ceil(k'% * n) never exceeds the units' weights.
      const double share = 100.0 * static_cast<double>(quant::percent_count(k, n_ff)) / static_cast<double>(n_ff);
      const std::string kk = format_number(std::floor(share * 1e9) / 1e9, "%.10g");
      for (const auto& langs : sets) {
        const std::string by = "neurons:" + file + (langs.empty() ? "" : ":" + langs);
        std::string tag = langs;
        std::replace(tag.begin(), tag.end(), ',', '+');
        add("neurons-" + num(k) + (langs.empty() ? "" : "-" + tag), head + " top=" + kk + "% by=" + by + ffn,
            {{"axis", "neurons"}, {"role", "neurons"}, {"percent", k}, {"langs", langs}}, r.where);
      }
      add("ffn-magnitude-" + num(k), head + " top=" + kk + "%" + ffn,
          {{"axis", "neurons"}, {"role", "magnitude"}, {"percent", k}, {"langs", nullptr}}, r.where);
      for (double sd : seeds) {
        if (sd < 0 || sd != std::floor(sd)) r.bad("seeds are non-negative integers");
        const auto seed = static_cast<uint64_t>(sd);
        add("ffn-random-" + num(k) + "-seed" + std::to_string(seed),
            head + " random=" + kk + "% seed=" + std::to_string(seed) + ffn,
            {{"axis", "neurons"}, {"role", "random"}, {"percent", k}, {"langs", nullptr}, {"seed", seed}}, r.where);
      }
    }
  }

  void matched_axis(const AxisReader& r) {
    r.only({"reference", "seeds", "magnitude"});
    const std::string ref = r.str("reference", "");
    if (ref.empty()) r.bad("needs 'reference' (the plan whose overhead the baselines match)");
    const auto seeds = r.numbers("seeds", {0, 1, 2});
    const bool magnitude = !r.get("magnitude") || (r.get("magnitude")->is_boolean() && r.get("magnitude")->get<bool>());
    const quant::Plan p = preset(r, ref, e.base, e.keep);
    if (!shape.overhead) r.bad("matched overheads need the model");
    const double o = 100.0 * shape.overhead(p);
    if (!(o > 0)) r.bad("reference plan '" + ref + "' keeps nothing above base, so there is no overhead to match");
    // Rounded to 4 significant digits so the plan text stays readable; the actual overhead of
    // every plan is measured and reported, not assumed.
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.4g", o);
    const double k = std::min(100.0, std::atof(pct));
    add(ref, quant::plan_to_line(p), {{"axis", "matched"}, {"role", "reference"}, {"reference", ref}, {"percent", k}}, r.where);
    const std::string head = "base=" + fmt(e.base) + "; keep " + fmt(e.keep);
    if (magnitude)
      add("magnitude@" + ref, head + " top=" + num(k) + "%",
          {{"axis", "matched"}, {"role", "magnitude"}, {"reference", ref}, {"percent", k}}, r.where);
    for (double sd : seeds) {
      if (sd < 0 || sd != std::floor(sd)) r.bad("seeds are non-negative integers");
      const auto seed = static_cast<uint64_t>(sd);
      add("random@" + ref + "-seed" + std::to_string(seed), head + " random=" + num(k) + "% seed=" + std::to_string(seed),
          {{"axis", "matched"}, {"role", "random"}, {"reference", ref}, {"percent", k}, {"seed", seed}}, r.where);
    }
  }
};

void check_keys(const json& j, const std::string& source) {
  static const std::set<std::string> known = {"name", "description", "base", "keep", "length_buckets", "axis", "axes"};
  for (const auto& [k, v] : j.items())
    if (!known.count(k)) fail(source, "unknown key '" + k + "' (see 'langquant sweep --help-experiments')");
}

}  // namespace

std::vector<int> resolve_layer_terms(const json& terms, int n_layer, const std::string& where) {
  std::vector<int> out;
  for (const auto& t : as_list(terms)) {
    int l = 0;
    if (t.is_number_integer()) {
      l = t.get<int>();
      if (l < 0) l += n_layer;
    } else if (t.is_string()) {
      const std::string s = t.get<std::string>();
      if (s == "first") l = 0;
      else if (s == "last") l = n_layer - 1;
      else if (s.size() > 1 && s.back() == '%') {
        char* end = nullptr;
        const double p = std::strtod(s.c_str(), &end);
        if (end != s.c_str() + s.size() - 1 || !(p >= 0 && p <= 100)) fail(where, "bad layer term '" + s + "'");
        l = static_cast<int>(std::floor(p / 100.0 * n_layer));
        if (l >= n_layer) l = n_layer - 1;
      } else fail(where, "bad layer term '" + s + "' (an integer, first, last or P%)");
    } else fail(where, "layer terms are integers or strings (first, last, P%)");
    if (l < 0 || l >= n_layer)
      fail(where, "layer " + t.dump() + " is outside the model's " + std::to_string(n_layer) + " layers");
    out.push_back(l);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Experiment experiment_from_json(const json& j, const std::string& source) {
  if (!j.is_object()) fail(source, "an experiment is a table (TOML) or object (JSON)");
  check_keys(j, source);
  Experiment e;
  e.source = source;
  auto str = [&](const char* k, const std::string& d) {
    if (!j.contains(k)) return d;
    if (!j[k].is_string()) fail(source, std::string("'") + k + "' must be a string");
    return j[k].get<std::string>();
  };
  e.name = str("name", std::filesystem::path(source).stem().string());
  e.description = str("description", "");
  try {
    e.base = quant::parse_preset_base("base", str("base", "int4"));
    e.keep = quant::parse_format(str("keep", "fp16"));
  } catch (const Error& err) {
    fail(source, err.what());
  }
  if (j.contains("length_buckets")) {
    if (!j["length_buckets"].is_boolean()) fail(source, "'length_buckets' must be true or false");
    e.length_buckets = j["length_buckets"].get<bool>();
  }
  const char* key = j.contains("axis") ? "axis" : "axes";
  if (!j.contains(key) || !j[key].is_array() || j[key].empty()) fail(source, "needs at least one [[axis]]");
  for (const auto& a : j[key])
    if (!a.is_object() || !a.contains("type") || !a["type"].is_string())
      fail(source, "every axis is a table with a 'type'");
  e.axes = j[key];
  return e;
}

Experiment parse_experiment_toml_text(const std::string& text, const std::string& source) {
  return experiment_from_json(toml_text_to_json(text, source), source);
}

Experiment load_experiment(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".json") return experiment_from_json(read_json_file(path), path);
  if (ext == ".toml") return parse_experiment_toml_text(read_file(path), path);
  fail(path, "an experiment file ends in .toml or .json");
}

std::vector<SweepPlan> generate_plans(const Experiment& e, const ModelShape& shape) {
  if (shape.n_layer <= 0) fail(e.source, "the model has no layers");
  Generator g{e, shape, {}};
  for (size_t i = 0; i < e.axes.size(); ++i) {
    const json& a = e.axes[i];
    const std::string type = a["type"].get<std::string>();
    AxisReader r{e, a, "axis " + std::to_string(i + 1) + " (" + type + ")"};
    if (type == "plans") g.plans_axis(r);
    else if (type == "layers") g.layers_axis(r);
    else if (type == "magnitude") g.elements_axis(r, false);
    else if (type == "random") g.elements_axis(r, true);
    else if (type == "precision") g.precision_axis(r);
    else if (type == "matched") g.matched_axis(r);
    else if (type == "neurons") g.neurons_axis(r);
    else r.bad("unknown axis type (plans, layers, magnitude, random, precision, matched, neurons)");
  }
  if (g.out.empty()) fail(e.source, "generates no plan for this model");
  return g.out;
}

const std::string& experiment_help() {
  static const std::string help = R"(Experiment files (TOML or JSON): a sweep of plans generated along axes.
  name = "per-layer-mlp"          # optional (default: file stem)
  description = "..."             # optional
  base = "int4"                   # base format of generated plans (default int4)
  keep = "fp16"                   # format of the parts they keep (default fp16)
  length_buckets = false          # true: exports also compare short/medium/long sentences
  [[axis]]                        # one or more axes; their plans are concatenated
  type = "..."
Axis types and keys:
  plans      plans = ["none", "L0+L11", "base=int4; keep fp16 kind=bias", ...]  presets, plan files or
             one-line plans; an item may be a table {plan = "...", name = "...", tags = {...}}
  layers     mode = single | pairs | triples | parity (odd vs even layers)
             layers = [0, "75%", -1, "first", "last"]   (default: every layer; not for parity)
             components = ["", "attn", "ffn", "ffn_up", "attn_qkv", ...]  "" = whole layer,
               attn/ffn = component selectors, other = canonical part blk.N.<part>.*
             skip_missing = true   parts the model lacks (e.g. ffn_gate on GPT-2) are skipped
  magnitude  percents = [1, 3, 5, 10]  keep the top-k% |w| of every tensor; scope = "global"
  random     percents = [5], seeds = [0, 1, 2]; scope = "global"
  precision  bases = ["int2", "int3", "int4", "int8"], keeps = ["fp16", "int8"],
             protect = "L0+L11+ln_f+biases" (a preset or plan): base alone and base + protect
  matched    reference = "L0+L11+ln_f+biases", seeds = [0, 1, 2], magnitude = true: the reference
             plan and magnitude / random selections keeping the same share of parameters
  neurons    file = "neurons.json", langs = ["ar,he,hi", ""], percents = [1, 3], seeds = [0, 1, 2]:
             Exp-014: the feed-forward units most specific to each language set ("" = all;
             `langquant neurons --out` writes the file) against top-|w| and random selections
             of the same ffn weights at the same share (whole units' worth)
Plan names: L3, L3-mlp, L0+L11, odd-layers-attn, magnitude-5, random-5-seed1, int2,
int2+fp16:L0+L11, magnitude@REF, random@REF-seed0, neurons-1-ar,he, ffn-magnitude-1,
ffn-random-1-seed0. Tags record the axis and its values.
Layer terms resolve against the model's depth: "75%" is layer 9 of 12 and 18 of 24.)";
  return help;
}

}  // namespace lq::experiments
