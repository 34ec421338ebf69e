// Weight sets built from plans: which tensors are overridden, what kept elements hold, and
// buffer sharing between plans.
#include <gtest/gtest.h>

#include "core/half.h"
#include "quant/plan_apply.h"
#include "quant/simulate.h"
#include "tiny_checkpoint.h"

using namespace lq;
using namespace lq::quant;

TEST(PlanApply, OverridesOnlyChangedTensors) {
  auto m = Model::load(lq::test::write_tiny_gpt2());
  QuantCache cache;
  const auto rp = resolve_plan(parse_plan_line("base=fp32; keep int4 layers=1"), *m);
  WeightSet ws = build_weight_set(*m, rp, cache);
  for (const auto& r : rp.tensors) EXPECT_EQ(ws.is_overridden(r.index), m->tensors()[r.index].layer == 1);
  // blk.1.attn_qkv.weight equals fake_quantize on its [out, in] values.
  const TensorInfo& t = m->get("blk.1.attn_qkv.weight");
  const auto expect = fake_quantize(parse_format("int4"), logical_values(t), t.out_dim(), t.in_dim());
  const MatrixRef mr = ws.matrix("blk.1.attn_qkv.weight");
  EXPECT_FALSE(mr.in_major);
  const float* got = static_cast<const float*>(mr.data);
  for (size_t i = 0; i < expect.size(); ++i) ASSERT_EQ(got[i], expect[i]) << i;
}

TEST(PlanApply, KeptElementsHoldTheirKeepFormat) {
  auto m = Model::load(lq::test::write_tiny_gpt2());
  QuantCache cache;
  const auto rp = resolve_plan(parse_plan_line("base=int2; keep fp16 top=5%"), *m);
  WeightSet ws = build_weight_set(*m, rp, cache);
  const TensorInfo& t = m->get("blk.0.ffn_down.weight");
  const auto& r = rp.tensors[m->index_of("blk.0.ffn_down.weight")];
  const auto w = logical_values(t);
  const auto base = fake_quantize(parse_format("int2"), w, t.out_dim(), t.in_dim());
  const float* got = static_cast<const float*>(ws.matrix("blk.0.ffn_down.weight").data);
  std::vector<bool> kept(w.size());
  for (int64_t i : r.groups.at(0).indices) kept[i] = true;
  for (size_t i = 0; i < w.size(); ++i)
    ASSERT_EQ(got[i], kept[i] ? f16_to_f32(f32_to_f16(w[i])) : base[i]) << i;
  // 1-D tensors: overridden too (the base applies to biases).
  const float* b = ws.vector("blk.0.ffn_down.bias");
  const auto bw = logical_values(m->get("blk.0.ffn_down.bias"));
  EXPECT_NE(b, nullptr);
  int differ = 0;
  for (size_t i = 0; i < bw.size(); ++i) differ += b[i] != bw[i];
  EXPECT_GT(differ, 0);
}

TEST(PlanApply, PlansShareBuffers) {
  auto m = Model::load(lq::test::write_tiny_gpt2());
  QuantCache cache;
  const auto a = build_weight_set(*m, resolve_plan(parse_plan_line("base=int4; keep fp32 layers=0"), *m), cache);
  const size_t after_a = cache.size();
  const auto b = build_weight_set(*m, resolve_plan(parse_plan_line("base=int4; keep fp32 layers=1"), *m), cache);
  // Layer 1 under plan a and layer 0 under plan b are new; everything else is shared.
  EXPECT_EQ(cache.size(), after_a + 12);
  EXPECT_EQ(after_a, 16u);
  EXPECT_EQ(a.matrix("token_embd.weight").data, b.matrix("output.weight").data);
  EXPECT_EQ(a.vector("output_norm.bias"), b.vector("output_norm.bias"));
  EXPECT_NE(a.matrix("blk.0.ffn_up.weight").data, b.matrix("blk.0.ffn_up.weight").data);
}

TEST(PlanApply, TensorsKeptAtFp16AreStoredAsBinary16) {
  auto m = Model::load(lq::test::write_tiny_gpt2());
  QuantCache cache;
  const auto rp = resolve_plan(parse_plan_line("base=int4; keep fp16 layers=0"), *m);
  WeightSet ws = build_weight_set(*m, rp, cache);
  const TensorInfo& t = m->get("blk.0.ffn_up.weight");
  const MatrixRef mr = ws.matrix("blk.0.ffn_up.weight");
  ASSERT_EQ(mr.dtype, DType::F16);  // half the memory of an F32 copy, and exact
  EXPECT_FALSE(mr.in_major);
  const auto w = logical_values(t);
  const auto* got = static_cast<const uint16_t*>(mr.data);
  for (size_t i = 0; i < w.size(); ++i) ASSERT_EQ(got[i], f32_to_f16(w[i])) << i;
  EXPECT_EQ(ws.matrix("blk.1.ffn_up.weight").dtype, DType::F32);  // int4: dequantized F32
  EXPECT_TRUE(ws.is_overridden(m->index_of("blk.0.ffn_up.weight")));
}
