// Causal patching: the identities that make a recovery share mean anything, bit for bit, on a
// random checkpoint of every architecture; then the share itself on hand-checkable numbers.
#include "experiments/patching.h"
#include "experiments/patching_output.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include <unistd.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "formats/safetensors_writer.h"
#include "model/arch.h"
#include "model/model.h"
#include "quant/plan_apply.h"

namespace lq {
namespace {

using nlohmann::json;

// A checkpoint of `config` with every tensor of its architecture's table random (norm weights
// near 1, the rest N(0, 0.2)): large enough that int4 changes every output.
std::string random_checkpoint(const json& config, const std::string& name) {
  const ModelConfig mc = ModelConfig::from_json(config, name);
  const Architecture& arch = find_architecture(mc);
  const HParams hp = arch.read_hparams(mc);
  std::mt19937_64 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.2f);
  SafetensorsWriter writer;
  for (const TensorRow& row : arch.tensor_table(hp)) {
    if (!row.required) continue;
    const bool per_layer = row.canonical.find("{L}") != std::string::npos;
    for (int l = 0; l < (per_layer ? hp.n_layer : 1); ++l) {
      const std::string canonical = with_layer(row.canonical, l);
      // The one row without a shape the config implies: BERT's token types (2 of them).
      const std::vector<int64_t> shape = row.shape.empty() ? std::vector<int64_t>{2, hp.n_embd} : row.shape;
      int64_t n = 1;
      for (int64_t d : shape) n *= d;
      std::vector<float> v(static_cast<size_t>(n));
      const bool norm = kind_of(canonical) == TensorKind::Norm && canonical.find(".bias") == std::string::npos;
      for (float& x : v) x = (norm && !row.hf_values ? 1.0f : 0.0f) + normal(rng);
      writer.add_f32(with_layer(row.hf_names.front(), l), DType::F32, shape, v);
    }
  }
  const auto dir = std::filesystem::temp_directory_path() / ("lq_patching_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  write_file_atomic((dir / "config.json").string(), config.dump(2));
  writer.write((dir / "model.safetensors").string());
  return dir.string();
}

json config_of(const std::string& arch) {
  if (arch == "gpt2")
    return {{"model_type", "gpt2"}, {"n_embd", 32}, {"n_head", 4}, {"n_layer", 3}, {"n_positions", 64},
            {"vocab_size", 64}, {"n_inner", 48}};
  if (arch == "llama")
    return {{"model_type", "llama"}, {"hidden_size", 32}, {"intermediate_size", 48}, {"num_attention_heads", 4},
            {"num_key_value_heads", 2}, {"num_hidden_layers", 3}, {"vocab_size", 64}, {"max_position_embeddings", 64}};
  if (arch == "gemma3")
    return {{"model_type", "gemma3_text"}, {"hidden_size", 32}, {"intermediate_size", 48}, {"num_attention_heads", 4},
            {"num_key_value_heads", 2}, {"head_dim", 8}, {"num_hidden_layers", 3}, {"vocab_size", 64},
            {"max_position_embeddings", 64}, {"sliding_window", 4}, {"sliding_window_pattern", 2},
            {"query_pre_attn_scalar", 8}, {"final_logit_softcapping", 30.0}};
  if (arch == "gpt_neox")
    return {{"model_type", "gpt_neox"}, {"hidden_size", 32}, {"intermediate_size", 48}, {"num_attention_heads", 4},
            {"num_hidden_layers", 3}, {"vocab_size", 64}, {"max_position_embeddings", 64}, {"rotary_pct", 0.5}};
  if (arch == "opt")
    return {{"model_type", "opt"}, {"hidden_size", 32}, {"ffn_dim", 48}, {"num_attention_heads", 4},
            {"num_hidden_layers", 3}, {"vocab_size", 64}, {"max_position_embeddings", 64}};
  if (arch == "bloom") return {{"model_type", "bloom"}, {"hidden_size", 32}, {"n_head", 4}, {"n_layer", 3}, {"vocab_size", 64}};
  return {{"model_type", "bert"}, {"hidden_size", 32}, {"intermediate_size", 48}, {"num_attention_heads", 4},
          {"num_hidden_layers", 3}, {"vocab_size", 64}, {"max_position_embeddings", 64}};
}

// Two "languages" of three random sentences each; a masked LM scores every token masked.
UnitSet random_units(const HParams& hp) {
  UnitSet us;
  std::mt19937 rng(11);
  for (int lang = 0; lang < 2; ++lang)
    for (int i = 0; i < 3; ++i) {
      Unit u;
      u.lang = lang;
      u.index = i;
      // A masked LM runs one copy per scored token: shorter sentences keep the test quick.
      const int n = hp.masked_lm ? 4 + static_cast<int>(rng() % 4) : 6 + static_cast<int>(rng() % 10);
      for (int t = 0; t < n; ++t) u.ids.push_back(static_cast<int32_t>(4 + rng() % (hp.n_vocab - 4)));
      u.first_scored = hp.masked_lm ? 0 : 1;
      us.units.push_back(u);
    }
  if (hp.masked_lm) us.mask_id = 3;
  us.n_ctx = hp.n_ctx;
  return us;
}

struct Fixture {
  std::unique_ptr<Model> model;
  UnitSet units;
  quant::QuantCache cache;
  WeightSet plan_set(const std::string& line) {
    return quant::build_weight_set(*model, quant::resolve_plan(quant::parse_plan_line(line), *model), cache);
  }
};

std::string all_units(const char* kind, int layer, int64_t n) {
  std::string s = std::string(kind) + "." + std::to_string(layer) + ":";
  for (int64_t i = 0; i < n; ++i) s += (i ? "," : "") + std::to_string(i);
  return s;
}

class PatchingIdentities : public ::testing::TestWithParam<std::string> {};

// `expect` names, per run, which reference its per-unit NLL must equal bit for bit: 'f' FP,
// 'p' the plan, '-' neither (a patch that does something, checked to differ from both).
void check(Fixture& f, const WeightSet& plan, const std::vector<std::pair<std::string, PatchDirection>>& specs,
           const std::string& expect) {
  WeightSet fp(*f.model);
  std::vector<PatchRun> runs;
  for (const auto& [spec, dir] : specs) runs.push_back({parse_patch(spec, f.model->hparams()), dir});
  EngineOptions eo;
  eo.batch_tokens = 24;  // several batches, units packed together
  const PatchScores s = score_patches(*f.model, fp, plan, f.units, runs, eo);
  for (size_t u = 0; u < f.units.units.size(); ++u) ASSERT_NE(s.fp[u], s.plan[u]) << "the plan must change every unit";
  for (size_t r = 0; r < runs.size(); ++r)
    for (size_t u = 0; u < f.units.units.size(); ++u) {
      const std::string what = (runs[r].direction == PatchDirection::Restore ? "restore " : "inject ") +
                               runs[r].patch.name + ", unit " + std::to_string(u);
      if (expect[r] == 'f') {
        EXPECT_EQ(s.runs[r][u], s.fp[u]) << what;
      } else if (expect[r] == 'p') {
        EXPECT_EQ(s.runs[r][u], s.plan[u]) << what;
      } else {
        EXPECT_NE(s.runs[r][u], s.fp[u]) << what;
        EXPECT_NE(s.runs[r][u], s.plan[u]) << what;
      }
    }
}

TEST_P(PatchingIdentities, EveryNoneAndOneLayer) {
  Fixture f;
  f.model = Model::load(random_checkpoint(config_of(GetParam()), GetParam()));
  f.units = random_units(f.model->hparams());
  const HParams& hp = f.model->hparams();
  const auto R = PatchDirection::Restore, I = PatchDirection::Inject;
  const std::string all_but_logits = "resid.0+resid.1+resid.2+resid.3+block.0+block.1+block.2";

  // The whole model in int4 (embeddings and head included): the three identities.
  {
    const WeightSet plan = f.plan_set("base=int4");
    check(f, plan, {{"all", R}, {"none", R}, {"all", I}, {"none", I}, {"resid.1", R}}, "fppf-");
  }
  // Only block 1 quantized: every exact statement patching makes about one block. Post-LN
  // blocks (BERT) normalise after each add, outside what attn.K and mlp.K replace, so there
  // block 1 keeps its norms exact.
  {
    const bool post_ln = !hp.norm_before;
    const WeightSet plan = f.plan_set(post_ln ? "base=fp32; keep int4 layers=1 kind=weight,bias" : "base=fp32; keep int4 layers=1");
    check(f, plan,
          {{all_but_logits, R}, {"resid.2", R}, {"block.1", R}, {"attn.1+mlp.1", R}, {"resid.1", R}, {"block.0", R},
           {"attn.1", R}, {"block.1", I}, {"resid.2", I}, {"resid.1", I}, {"block.2", I}, {all_but_logits, I}},
          "ffffpp-ppf-p");
  }
  // Only block 1's attention projections before the heads (and QK-norm): restoring all heads
  // is exact, restoring some is not.
  {
    const WeightSet plan = f.plan_set("base=fp32; keep int4 layers=1 name=blk.*.attn_q*,blk.*.attn_k*,blk.*.attn_v*,blk.*.attn_qkv*");
    check(f, plan, {{all_units("heads", 1, hp.n_head), R}, {"heads.1:0", R}, {all_units("heads", 1, hp.n_head), I}},
          "f-p");
  }
  // Only block 1's feed-forward input side: restoring every hidden unit is exact.
  {
    const WeightSet plan = f.plan_set("base=fp32; keep int4 layers=1 name=blk.*.ffn_up*,blk.*.ffn_gate*");
    check(f, plan,
          {{all_units("neurons", 1, hp.n_ff), R}, {"neurons.1:0,1,2", R}, {all_units("neurons", 1, hp.n_ff), I}},
          "f-p");
  }
}

INSTANTIATE_TEST_SUITE_P(Architectures, PatchingIdentities,
                         ::testing::Values("gpt2", "llama", "gemma3", "gpt_neox", "opt", "bloom", "bert"));

TEST(Patching, ParsesComponents) {
  HParams hp;
  hp.n_layer = 4;
  hp.n_head = 2;
  hp.n_embd = 8;
  hp.n_ff = 16;
  const Patch p = parse_patch("resid.4+heads.1:1,0,1+neurons.3:15+logits", hp);
  ASSERT_EQ(p.components.size(), 4u);
  EXPECT_EQ(p.components[0].name(), "resid.4");
  EXPECT_EQ(p.components[1].name(), "heads.1:0,1");
  const auto slices = patch_slices(p, hp);
  ASSERT_EQ(slices.size(), 3u);  // logits is no site
  EXPECT_EQ(slices[1].site, Site::AttnHeads);
  EXPECT_EQ(slices[1].columns, (std::vector<std::pair<int64_t, int64_t>>{{0, 4}, {4, 8}}));
  EXPECT_EQ(slices[2].columns, (std::vector<std::pair<int64_t, int64_t>>{{15, 16}}));
  EXPECT_TRUE(patch_has_logits(p));
  EXPECT_EQ(parse_patch("block.2", hp).components[0].layer, 2);
  for (const char* bad : {"resid.5", "attn.4", "heads.0:2", "neurons.0", "block.1:3", "mlp.x", "foo.1", "", "attn.-1"})
    EXPECT_THROW(parse_patch(bad, hp), Error) << bad;
  const auto d = default_patches(hp, {0, 3}, {});
  ASSERT_EQ(d.size(), 9u);
  EXPECT_EQ(d[0].name, "resid.0");
  EXPECT_EQ(d[7].name, "block.3");
  EXPECT_EQ(d[8].name, "resid.4");
  EXPECT_EQ(default_patches(hp, {}, {"block"}).size(), 4u);
}

TEST(Patching, ShareOnHandNumbers) {
  // Units: FP 1 and 2 nats, plan 2 and 4 (delta 3), the patched run 1.25 and 3.5.
  const std::vector<double> fp = {1, 2}, plan = {2, 4}, run = {1.25, 3.5};
  const std::vector<size_t> idx = {0, 1};
  // All units once: restored (6 - 4.75) / 3, injected (4.75 - 3) / 3.
  EXPECT_DOUBLE_EQ(patch_share(PatchDirection::Restore, fp, plan, run, idx, {1, 1}), 1.25 / 3);
  EXPECT_DOUBLE_EQ(patch_share(PatchDirection::Inject, fp, plan, run, idx, {1, 1}), 1.75 / 3);
  // Unit 0 drawn twice: FP 2, plan 4, run 2.5: restored 0.75, injected 0.25.
  EXPECT_DOUBLE_EQ(patch_share(PatchDirection::Restore, fp, plan, run, idx, {2, 0}), 0.75);
  EXPECT_DOUBLE_EQ(patch_share(PatchDirection::Inject, fp, plan, run, idx, {2, 0}), 0.25);
  EXPECT_TRUE(std::isnan(patch_share(PatchDirection::Restore, fp, fp, run, idx, {1, 1})));

  // Through patch_shares: two languages of two units, 10 tokens each.
  PatchScores s;
  s.tokens = {10, 10, 10, 10};
  s.fp = {1, 2, 1, 1};
  s.plan = {2, 4, 1, 1};  // language b: the plan changes nothing
  s.runs = {{1.25, 3.5, 1, 1}};
  UnitSet us;
  for (int i = 0; i < 4; ++i) {
    Unit u;
    u.lang = i / 2;
    us.units.push_back(u);
  }
  BootstrapOptions opt;
  opt.replicates = 200;
  const std::vector<PatchRun> runs = {{parse_patch("none", HParams{}), PatchDirection::Restore}};
  const auto L = patch_shares(s, us, {"a", "b"}, runs, opt);
  ASSERT_EQ(L.size(), 3u);
  EXPECT_EQ(L[0].lang, "a");
  EXPECT_DOUBLE_EQ(L[0].nll_fp.value, 3.0 / 20);
  EXPECT_DOUBLE_EQ(L[0].delta.value, 6.0 / 20 - 3.0 / 20);
  EXPECT_DOUBLE_EQ(L[0].runs[0].share.value, 1.25 / 3);
  EXPECT_DOUBLE_EQ(L[0].runs[0].nll.value, 4.75 / 20);
  // Resamples of language a: {0,0} 0.75, {1,1} (8 - 7) / 4 = 0.25, mixed 1.25 / 3: the
  // interval lies within [0.25, 0.75] and both ends are reached with 200 draws.
  EXPECT_DOUBLE_EQ(L[0].runs[0].share.lo, 0.25);
  EXPECT_DOUBLE_EQ(L[0].runs[0].share.hi, 0.75);
  EXPECT_FALSE(L[0].runs[0].unstable);
  EXPECT_TRUE(L[1].runs[0].unstable);  // delta exactly 0 in every resample
  EXPECT_TRUE(std::isnan(L[1].runs[0].share.value));
  EXPECT_EQ(L[2].lang, "all");
  EXPECT_EQ(L[2].units, 4);
  EXPECT_DOUBLE_EQ(L[2].runs[0].share.value, (8 - 6.75) / 3.0);
}

}  // namespace
}  // namespace lq

namespace lq {
namespace {

TEST(PatchingOutput, LeadsWithTheLargestStableShare) {
  HParams hp;
  hp.n_layer = 2;
  PatchReport r;
  r.model = "m";
  r.plan = "p";
  r.runs = {{parse_patch("block.0", hp), PatchDirection::Restore},
            {parse_patch("block.1", hp), PatchDirection::Restore},
            {parse_patch("all", hp), PatchDirection::Restore},
            {parse_patch("block.1", hp), PatchDirection::Inject}};
  PatchLanguage a;
  a.lang = "ar";
  a.delta = {0.2, 0.1, 0.3};
  a.runs = {{{1, 1, 1}, {0.3, 0.2, 0.4}}, {{1, 1, 1}, {0.6, 0.5, 0.7}}, {{1, 1, 1}, {1, 1, 1}},
            {{1, 1, 1}, {0.25, 0.2, 0.3}}};
  PatchLanguage b = a;
  b.lang = "en";
  for (auto& run : b.runs) run.unstable = true;
  r.languages = {a, b};
  // "all" holds logits: never the answer, though its share is the largest.
  EXPECT_EQ(best_run(r, a, PatchDirection::Restore), 1);
  EXPECT_EQ(best_run(r, a, PatchDirection::Inject), 3);
  EXPECT_EQ(best_run(r, b, PatchDirection::Restore), -1);
  const std::string md = patch_markdown(r);
  EXPECT_NE(md.find("- **ar** (plan's loss 0.2000 nats/token [0.1000, 0.3000]): restoring block.1 recovers 60% [50, 70] "
                    "of the loss; injecting the plan at block.1 alone carries 25% [20, 30]."),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("- **en**"), std::string::npos);
  EXPECT_NE(md.find("not distinguishable from 0"), std::string::npos);
  const auto j = patch_json(r);
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["languages"][0]["best_restore"], "block.1");
  EXPECT_TRUE(j["languages"][1]["runs"][0]["share"].is_null());  // unstable: no share
  EXPECT_EQ(j["languages"][0]["runs"][1]["share_lo"], 0.5);
  const std::string csv = patch_csv(r);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 2 * 4);
  EXPECT_NE(csv.find("ar,\"block.1\",inject,1,1,1,0.25,0.20000000000000001,0.29999999999999999,false"), std::string::npos) << csv;
}

}  // namespace
}  // namespace lq
