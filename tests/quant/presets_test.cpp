// Presets adapt to the depth of the model they meet.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "quant/plan_resolve.h"
#include "quant/presets.h"
#include "tiny_checkpoint.h"

using namespace lq;
using namespace lq::quant;

namespace {

const Format kInt4 = parse_format("int4"), kFp16 = parse_format("fp16");

Plan preset(const std::string& name) {
  Plan p;
  EXPECT_TRUE(find_preset(name, kInt4, kFp16, p)) << name;
  return p;
}

// Layers whose block weights the plan keeps at fp16.
std::set<int> kept_layers(const Plan& p, const Model& m) {
  std::set<int> out;
  const auto rp = resolve_plan(p, m);
  for (const auto& r : rp.tensors) {
    const TensorInfo& t = m.tensors()[r.index];
    if (t.layer >= 0 && t.kind == TensorKind::Weight && r.format == kFp16) out.insert(t.layer);
  }
  return out;
}

std::unique_ptr<Model> deep(int n_layer) {
  lq::test::TinyGpt2 cfg;
  cfg.n_layer = n_layer;
  cfg.n_embd = 32;
  cfg.n_head = 2;
  return Model::load(lq::test::write_tiny_gpt2(cfg));
}

}  // namespace

TEST(Presets, EveryListedPresetParses) {
  for (const auto& info : preset_list()) {
    std::string name = info.name;
    if (name == "magnitude-k") name = "magnitude-5";
    if (name == "random-k") name = "random-5";
    Plan p;
    EXPECT_TRUE(find_preset(name, kInt4, kFp16, p)) << name;
    EXPECT_FALSE(info.description.empty());
  }
  Plan p;
  EXPECT_FALSE(find_preset("L0+L12", kInt4, kFp16, p));
  EXPECT_FALSE(find_preset("magnitude-0", kInt4, kFp16, p));
  EXPECT_TRUE(preset("none").rules.empty());
}

TEST(Presets, LayersAdaptToDepth) {
  auto m12 = deep(12), m24 = deep(24);
  EXPECT_EQ(kept_layers(preset("L0+L9+L11+biases+ln_f"), *m12), (std::set<int>{0, 9, 11}));
  EXPECT_EQ(kept_layers(preset("L0+L9+L11+biases+ln_f"), *m24), (std::set<int>{0, 18, 23}));
  EXPECT_EQ(kept_layers(preset("L0+L11"), *m12), (std::set<int>{0, 11}));
  EXPECT_EQ(kept_layers(preset("L0+L11"), *m24), (std::set<int>{0, 23}));
  EXPECT_EQ(kept_layers(preset("layer0"), *m24), (std::set<int>{0}));
  EXPECT_EQ(kept_layers(preset("first3"), *m24), (std::set<int>{0, 1, 2}));
  EXPECT_EQ(kept_layers(preset("odd-layers"), *m12), (std::set<int>{1, 3, 5, 7, 9, 11}));
  EXPECT_EQ(kept_layers(preset("even-layers"), *m24).size(), 12u);
}

TEST(Presets, PartsTheyKeep) {
  auto m = deep(12);
  const auto rp = resolve_plan(preset("L0+L11+ln_f+biases"), *m);
  auto fmt = [&](const std::string& n) { return rp.tensors[m->index_of(n)].format; };
  EXPECT_EQ(fmt("blk.5.attn_qkv.bias"), kFp16);
  EXPECT_EQ(fmt("blk.5.ffn_down.bias"), kFp16);
  EXPECT_EQ(fmt("blk.5.attn_qkv.weight"), kInt4);
  EXPECT_EQ(fmt("blk.5.attn_norm.bias"), kInt4);  // a norm, not a linear bias
  EXPECT_EQ(fmt("output_norm.weight"), kFp16);
  EXPECT_EQ(fmt("token_embd.weight"), kInt4);
  const auto mlp = resolve_plan(preset("mlp-only"), *m);
  EXPECT_EQ(mlp.tensors[m->index_of("blk.3.ffn_up.weight")].format, kFp16);
  EXPECT_EQ(mlp.tensors[m->index_of("blk.3.attn_qkv.weight")].format, kInt4);
  const auto emb = resolve_plan(preset("embeddings-only"), *m);
  EXPECT_EQ(emb.tensors[m->index_of("output.weight")].format, kFp16);  // tied
  EXPECT_EQ(emb.tensors[m->index_of("position_embd.weight")].format, kFp16);
}

TEST(Presets, KFormsAndLoadPlan) {
  EXPECT_EQ(plan_to_line(preset("magnitude-5")), "base=int4; keep fp16 top=5%");
  EXPECT_EQ(plan_to_line(preset("magnitude-global-0.5")), "base=int4; keep fp16 top=0.5% scope=global");
  EXPECT_EQ(plan_to_line(preset("random-3-seed7")), "base=int4; keep fp16 random=3% seed=7");
  EXPECT_EQ(plan_to_line(load_plan("L0+L11", parse_format("q4_0"), parse_format("q8_0"))),
            "base=q4_0; keep q8_0 layers=first,last");
  EXPECT_EQ(plan_to_line(load_plan("base=int8; keep fp16 kind=norm", kInt4, kFp16)),
            "base=int8; keep fp16 kind=norm");
  EXPECT_THROW(load_plan("no-such-preset", kInt4, kFp16), Error);
  EXPECT_THROW(load_plan("/nonexistent/plan.toml", kInt4, kFp16), Error);
}

TEST(Presets, BaseRefusesALlamaMixtureAndTakesThePlainFormat) {
  // --base Q4_0 used to mean plain q4_0 (norms quantized) in eval while search took the mixture.
  try {
    quant::parse_preset_base("--base", "Q4_0");
    FAIL() << "a mixture name was accepted as a preset's base";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--base"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("base=Q4_0"), std::string::npos) << e.what();
  }
  EXPECT_THROW(quant::parse_preset_base("--base", "Q4_K_M"), Error);
  EXPECT_EQ(quant::canonical_name(quant::parse_preset_base("--base", "q4_0")), "q4_0");
  EXPECT_EQ(quant::canonical_name(quant::parse_preset_base("--base", "int4")), "int4");
}
