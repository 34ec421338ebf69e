// Plans that share their first stages compute them once (eval/plan_tree.h): on a random
// checkpoint of every architecture, every number of the shared run (per-token log-probability,
// KL from full precision, top-1 agreement) equals, bit for bit, the same plan scored alone with
// the plain forward; and the tree shares exactly the block evaluations it should.
#include "eval/plan_tree.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include <unistd.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "eval/engine.h"
#include "formats/safetensors_writer.h"
#include "model/arch.h"
#include "model/model.h"
#include "quant/plan_apply.h"

namespace lq {
namespace {

using nlohmann::json;

// Every tensor of the architecture's table random: norm weights near 1, the rest N(0, 0.2), so
// that int4 and the perturbations below change the outputs.
std::string random_checkpoint(const json& config, const std::string& name) {
  const ModelConfig mc = ModelConfig::from_json(config, name);
  const Architecture& arch = find_architecture(mc);
  const HParams hp = arch.read_hparams(mc);
  std::mt19937_64 rng(5);
  std::normal_distribution<float> normal(0.0f, 0.2f);
  SafetensorsWriter writer;
  for (const TensorRow& row : arch.tensor_table(hp)) {
    if (!row.required) continue;
    const bool per_layer = row.canonical.find("{L}") != std::string::npos;
    for (int l = 0; l < (per_layer ? hp.n_layer : 1); ++l) {
      const std::string canonical = with_layer(row.canonical, l);
      const std::vector<int64_t> shape = row.shape.empty() ? std::vector<int64_t>{2, hp.n_embd} : row.shape;
      int64_t n = 1;
      for (int64_t d : shape) n *= d;
      std::vector<float> v(static_cast<size_t>(n));
      const bool norm = kind_of(canonical) == TensorKind::Norm && canonical.find(".bias") == std::string::npos;
      for (float& x : v) x = (norm && !row.hf_values ? 1.0f : 0.0f) + normal(rng);
      writer.add_f32(with_layer(row.hf_names.front(), l), DType::F32, shape, v);
    }
  }
  const auto dir = std::filesystem::temp_directory_path() / ("lq_plan_tree_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  write_file_atomic((dir / "config.json").string(), config.dump(2));
  writer.write((dir / "model.safetensors").string());
  return dir.string();
}

// Three blocks each; Llama and OPT untied (a head of their own), post-LN OPT.
json config_of(const std::string& arch) {
  if (arch == "gpt2")
    return {{"model_type", "gpt2"}, {"n_embd", 32}, {"n_head", 4}, {"n_layer", 3}, {"n_positions", 64},
            {"vocab_size", 64}, {"n_inner", 48}};
  if (arch == "llama")
    return {{"model_type", "llama"}, {"hidden_size", 32}, {"intermediate_size", 48}, {"num_attention_heads", 4},
            {"num_key_value_heads", 2}, {"num_hidden_layers", 3}, {"vocab_size", 64}, {"max_position_embeddings", 64},
            {"tie_word_embeddings", false}};
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
            {"num_hidden_layers", 3}, {"vocab_size", 64}, {"max_position_embeddings", 64},
            {"do_layer_norm_before", false}, {"tie_word_embeddings", false}};
  if (arch == "bloom") return {{"model_type", "bloom"}, {"hidden_size", 32}, {"n_head", 4}, {"n_layer", 3}, {"vocab_size", 64}};
  return {{"model_type", "bert"}, {"hidden_size", 32}, {"intermediate_size", 48}, {"num_attention_heads", 4},
          {"num_hidden_layers", 3}, {"vocab_size", 64}, {"max_position_embeddings", 64}};
}

// Two "languages" of three random sentences each; a masked LM scores every token masked.
UnitSet random_units(const HParams& hp) {
  UnitSet us;
  std::mt19937 rng(3);
  for (int lang = 0; lang < 2; ++lang)
    for (int i = 0; i < 3; ++i) {
      Unit u;
      u.lang = lang;
      u.index = i;
      const int n = hp.masked_lm ? 4 + static_cast<int>(rng() % 4) : 6 + static_cast<int>(rng() % 10);
      for (int t = 0; t < n; ++t) u.ids.push_back(static_cast<int32_t>(4 + rng() % (hp.n_vocab - 4)));
      u.first_scored = hp.masked_lm ? 0 : 1;
      us.units.push_back(u);
    }
  if (hp.masked_lm) us.mask_id = 3;
  us.n_ctx = hp.n_ctx;
  return us;
}

// Full precision with tensor `index` alone changed (every value x -> 1.05 x + 0.02): a plan that
// differs from full precision in exactly one stage, or only in the head.
WeightSet perturbed(const Model& m, int index) {
  WeightSet w(m);
  const TensorInfo& t = m.tensors()[static_cast<size_t>(index)];
  std::vector<float> v;
  if (t.is_matrix()) {
    v.resize(static_cast<size_t>(t.out_dim() * t.in_dim()));
    for (int64_t r = 0; r < t.out_dim(); ++r) w.matrix_row(t.canonical, r, v.data() + r * t.in_dim());
  } else {
    const float* x = w.vector(t.canonical);
    v.assign(x, x + t.view->numel());
  }
  for (float& x : v) x = 1.05f * x + 0.02f;
  w.override_tensor(index, std::make_shared<const std::vector<float>>(std::move(v)));
  return w;
}

using Tokens = std::vector<TokenResult>;

Tokens score(const Model& m, const std::vector<const WeightSet*>& sets, const UnitSet& units, bool share,
             EngineOptions::Work* work = nullptr) {
  EngineOptions eo;
  eo.batch_tokens = 24;  // several batches, units packed together
  eo.share_stages = share;
  eo.work = work;
  Tokens out;
  score_units(m, sets, units, eo, [&](const TokenResult& t) { out.push_back(t); });
  return out;
}

// The tokens of set `s` in a joint run equal those of set 1 in the run of {fp, that plan} alone
// without sharing, bit for bit; returns whether the plan changed any log-probability.
bool expect_alone_equal(const Model& m, const UnitSet& units, const Tokens& joint, size_t S, size_t s,
                        const WeightSet& fp, const WeightSet& plan, const std::string& what) {
  const Tokens alone = score(m, {&fp, &plan}, units, false);
  std::vector<TokenResult> mine, ref;
  for (const auto& t : joint)
    if (static_cast<size_t>(t.set) == s) mine.push_back(t);
  for (const auto& t : alone)
    if (t.set == 1) ref.push_back(t);
  EXPECT_EQ(joint.size(), alone.size() / 2 * S) << what;
  EXPECT_EQ(mine.size(), ref.size()) << what;
  bool changed = false;
  size_t i_fp = 0;
  for (size_t i = 0; i < std::min(mine.size(), ref.size()); ++i) {
    const TokenResult &a = mine[i], &b = ref[i];
    EXPECT_EQ(a.unit, b.unit) << what;
    EXPECT_EQ(a.position, b.position) << what;
    // Bit for bit: == on doubles (NaN never occurs here).
    EXPECT_EQ(a.logprob, b.logprob) << what << ", token " << i;
    EXPECT_EQ(a.kl, b.kl) << what << ", token " << i;
    EXPECT_EQ(a.top1_agrees, b.top1_agrees) << what << ", token " << i;
    while (i_fp < alone.size() && alone[i_fp].set != 0) ++i_fp;
    if (i_fp < alone.size() && alone[i_fp].logprob != b.logprob) changed = true;
    ++i_fp;
  }
  return changed;
}

class PlanTreeExact : public ::testing::TestWithParam<std::string> {};

TEST_P(PlanTreeExact, SharedRunEqualsPlansAlone) {
  const auto model = Model::load(random_checkpoint(config_of(GetParam()), GetParam()));
  const Model& m = *model;
  const UnitSet units = random_units(m.hparams());
  const int64_t L = m.hparams().n_layer;
  quant::QuantCache cache;
  auto plan = [&](const std::string& line) {
    return quant::build_weight_set(m, quant::resolve_plan(quant::parse_plan_line(line), m), cache);
  };
  // Quantization plans as a sweep has them: all int4, one block kept each (prefixes of 0, 1 and 2
  // blocks shared with 'all int4'), all int4 but the final norm, and 'all int4' built twice (the
  // cache gives it the same tensors: identical plans).
  std::vector<WeightSet> owned;
  owned.push_back(WeightSet(m));
  owned.push_back(plan("base=int4"));
  for (int l = 0; l < L; ++l) owned.push_back(plan("base=int4; keep fp16 layers=" + std::to_string(l)));
  owned.push_back(plan("base=int4; keep fp16 name=output_norm.*"));
  owned.push_back(plan("base=int4"));
  const size_t n_quant = owned.size();
  // Full precision with one tensor changed, for every tensor: a plan differing only in block 0,
  // only in block k (a prefix of k blocks shared with full precision), only in the final norm, or
  // only in the head; each one checks that forward_stage_of puts that tensor in the right stage.
  for (size_t i = 0; i < m.tensors().size(); ++i) owned.push_back(perturbed(m, static_cast<int>(i)));
  std::vector<const WeightSet*> sets;
  for (const auto& w : owned) sets.push_back(&w);

  EngineOptions::Work work;
  const Tokens joint = score(m, sets, units, true, &work);
  EXPECT_LT(work.block_runs, work.block_naive) << "nothing was shared";
  for (size_t s = 1; s < sets.size(); ++s) {
    const std::string what = s < n_quant ? "quantized plan " + std::to_string(s)
                                         : "perturbed " + m.tensors()[s - n_quant].canonical;
    const bool changed = expect_alone_equal(m, units, joint, sets.size(), s, owned[0], owned[s], what);
    EXPECT_TRUE(changed) << what << " changed no log-probability: the comparison proves nothing";
  }
  // The two 'base=int4' builds share every tensor, hence every token.
  for (size_t i = 0; i < joint.size(); i += sets.size()) EXPECT_EQ(joint[i + 1].logprob, joint[i + n_quant - 1].logprob);
}

INSTANTIATE_TEST_SUITE_P(Architectures, PlanTreeExact,
                         ::testing::Values("gpt2", "llama", "gemma3", "gpt_neox", "opt", "bloom", "bert"));

// The work counted: FP, all int4 and 'keep block l' for each of 3 blocks. Block 0: FP, the
// int4 chain, keep-0 (3); block 1: FP, chain, keep-0, keep-1 (4); block 2: 5. 12 of 15.
TEST(PlanTree, CountsTheBlocksItShares) {
  const auto model = Model::load(random_checkpoint(config_of("gpt2"), "gpt2_count"));
  const Model& m = *model;
  quant::QuantCache cache;
  auto plan = [&](const std::string& line) {
    return quant::build_weight_set(m, quant::resolve_plan(quant::parse_plan_line(line), m), cache);
  };
  std::vector<WeightSet> owned;
  owned.push_back(WeightSet(m));
  owned.push_back(plan("base=int4"));
  for (int l = 0; l < 3; ++l) owned.push_back(plan("base=int4; keep fp16 layers=" + std::to_string(l)));
  std::vector<const WeightSet*> sets;
  for (const auto& w : owned) sets.push_back(&w);
  EXPECT_EQ(PlanTree(m, sets).blocks_per_batch(), 12);
  EngineOptions::Work work;
  score(m, sets, random_units(m.hparams()), true, &work);
  EXPECT_GT(work.batches, 1);
  EXPECT_EQ(work.block_runs, 12 * work.batches);
  EXPECT_EQ(work.block_naive, 15 * work.batches);
  // Identical sets share everything; a set of another model is refused.
  EXPECT_EQ(PlanTree(m, {&owned[1], &owned[1], &owned[1]}).blocks_per_batch(), 3);
  const auto other = Model::load(random_checkpoint(config_of("gpt2"), "gpt2_other"));
  const WeightSet foreign(*other);
  EXPECT_THROW(PlanTree(m, {&owned[0], &foreign}), Error);
}

TEST(PlanTree, StageOfEveryTensorName) {
  EXPECT_EQ(forward_stage_of("token_embd.weight", 12), 0);
  EXPECT_EQ(forward_stage_of("position_embd.weight", 12), 0);
  EXPECT_EQ(forward_stage_of("token_embd_norm.bias", 12), 0);
  EXPECT_EQ(forward_stage_of("token_types.weight", 12), 0);
  EXPECT_EQ(forward_stage_of("blk.0.attn_qkv.weight", 12), 1);
  EXPECT_EQ(forward_stage_of("blk.11.ffn_down.bias", 12), 12);
  EXPECT_EQ(forward_stage_of("output_norm.weight", 12), 13);
  EXPECT_EQ(forward_stage_of("output_transform.weight", 12), 13);
  EXPECT_EQ(forward_stage_of("output.weight", 12), kHeadOnly);
  EXPECT_EQ(forward_stage_of("output_proj.weight", 12), kHeadOnly);
  for (const char* odd : {"blk.12.attn_norm.weight", "blk.x.ffn_up.weight", "blk..a", "blk.3", "pooler.dense.weight"})
    EXPECT_EQ(forward_stage_of(odd, 12), kEveryStage) << odd;
}

}  // namespace
}  // namespace lq
