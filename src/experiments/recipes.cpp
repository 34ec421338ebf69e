#include "experiments/recipes.h"

#include "core/error.h"

namespace lq::experiments {
namespace {

struct Recipe {
  RecipeInfo info;
  std::string toml;
};

// Each recipe is an ordinary experiment file, so `--show-recipe` output can be edited and run
// with --experiment.
const std::vector<Recipe>& recipes() {
  static const std::vector<Recipe> list = {
      {{"baselines", "Exp-001..010", "full precision against int4 and int8 (every tensor at the base)"},
       R"([[axis]]
type = "plans"
plans = ["none", "base=int8"]
)"},
      {{"threshold", "Exp-011", "keep the top-k% |w| of every tensor, k = 1, 3, 5, 10"},
       R"([[axis]]
type = "magnitude"
percents = [1, 3, 5, 10]
)"},
      {{"components", "Exp-012/014", "MLP only, attention only, embeddings, layer 0, first 3 layers"},
       R"([[axis]]
type = "plans"
plans = ["mlp-only", "attn-only", "embeddings-only", "layer0", "first3"]
)"},
      {{"per-layer-mlp", "Exp-017/020", "one layer's MLP at a time, every layer"},
       R"([[axis]]
type = "layers"
components = ["ffn"]
)"},
      {{"per-layer-attn", "Exp-017/020", "one layer's attention at a time, every layer"},
       R"([[axis]]
type = "layers"
components = ["attn"]
)"},
      {{"small-parts", "Exp-025/026/039/050", "token and position embeddings, layer norms, biases, final norm"},
       R"([[axis]]
type = "plans"
plans = [
  {name = "token_embd", plan = "base=int4; keep fp16 name=token_embd.*", tags = {part = "token_embd"}},
  {name = "position_embd", plan = "base=int4; keep fp16 name=position_embd.*", tags = {part = "position_embd"}},
  {name = "norms", plan = "base=int4; keep fp16 kind=norm", tags = {part = "norms"}},
  {name = "biases", plan = "base=int4; keep fp16 kind=bias", tags = {part = "biases"}},
  {name = "output_norm", plan = "base=int4; keep fp16 name=output_norm.*", tags = {part = "output_norm"}},
]
)"},
      {{"parity", "Exp-030", "odd layers against even layers (equal overhead on an even depth)"},
       R"([[axis]]
type = "layers"
mode = "parity"
)"},
      {{"inside-layer", "Exp-031/038", "first and last layer: whole, each MLP and attention part alone"},
       R"([[axis]]
type = "layers"
layers = ["first", "last"]
components = ["", "attn", "ffn", "attn_qkv", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_up", "ffn_gate", "ffn_down"]
skip_missing = true
)"},
      {{"combinations", "Exp-032..036, 042/043", "pairs and the triple of layers first, 75%, last (L0+L11, L0+L9+L11)"},
       R"([[axis]]
type = "layers"
layers = ["first", "75%", "last"]
[[axis]]
type = "layers"
mode = "pairs"
layers = ["first", "75%", "last"]
skip_missing = true
[[axis]]
type = "layers"
mode = "triples"
layers = ["first", "75%", "last"]
skip_missing = true
[[axis]]
type = "plans"
plans = ["L0+L11+ln_f+biases", "L0+L9+L11+biases+ln_f"]
)"},
      {{"precision", "Exp-044/052/053/078", "int2/int3/int4/int8 base, alone and with L0+L11+ln_f+biases kept at fp16 or int8"},
       R"([[axis]]
type = "precision"
bases = ["int2", "int3", "int4", "int8"]
keeps = ["fp16", "int8"]
protect = "L0+L11+ln_f+biases"
)"},
      {{"text-length", "Exp-045/071", "base and two protections, also compared on short / medium / long sentences"},
       R"(length_buckets = true
[[axis]]
type = "plans"
plans = ["none", "L0+L11+ln_f+biases", "magnitude-5"]
)"},
      {{"random-magnitude", "Exp-055/056", "random (3 seeds) and magnitude selections at the overhead of L0+L11+ln_f+biases and at 5%"},
       R"([[axis]]
type = "matched"
reference = "L0+L11+ln_f+biases"
seeds = [0, 1, 2]
[[axis]]
type = "magnitude"
percents = [5]
[[axis]]
type = "random"
percents = [5]
seeds = [0, 1, 2]
)"},
      {{"quick-layer-sweep", "Exp-061..075", "cross-architecture: each whole layer alone, plus the usual protections"},
       R"([[axis]]
type = "plans"
plans = ["none", "L0+L11+ln_f+biases", "L0+L9+L11+biases+ln_f"]
[[axis]]
type = "layers"
)"},
  };
  return list;
}

const Recipe& find(const std::string& name) {
  for (const auto& r : recipes())
    if (r.info.name == name) return r;
  fail("recipe '" + name + "'", "no such recipe (see 'langquant sweep --list-recipes')");
}

}  // namespace

const std::vector<RecipeInfo>& recipe_list() {
  static const std::vector<RecipeInfo> list = [] {
    std::vector<RecipeInfo> v;
    for (const auto& r : recipes()) v.push_back(r.info);
    return v;
  }();
  return list;
}

const std::string& recipe_text(const std::string& name) { return find(name).toml; }

Experiment load_recipe(const std::string& name) {
  const Recipe& r = find(name);
  Experiment e = parse_experiment_toml_text(r.toml, "recipe " + name);
  e.name = name;
  e.description = r.info.description;
  return e;
}

}  // namespace lq::experiments
