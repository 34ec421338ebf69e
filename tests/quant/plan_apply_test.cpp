// Weight sets built from plans: which tensors are overridden, what kept elements hold, and
// buffer sharing between plans.
#include <gtest/gtest.h>

#include "core/half.h"
#include "quant/plan_apply.h"
#include "quant/simulate.h"
#include "quant/quantized_matrix.h"
#include "tiny_checkpoint.h"

using namespace lq;
using namespace lq::quant;

namespace {
// A matrix of a weight set expanded to F32 [out, in], whichever way it is held.
std::vector<float> expanded(const WeightSet& ws, const std::string& name) {
  const MatrixRef m = ws.matrix(name);
  std::vector<float> v(size_t(m.out * m.in));
  if (m.decoder)
    m.decoder->decode_rows(0, m.out, v.data());
  else
    for (int64_t o = 0; o < m.out; ++o)
      for (int64_t i = 0; i < m.in; ++i) v[size_t(o * m.in + i)] = static_cast<const float*>(m.data)[m.index(o, i)];
  return v;
}
}  // namespace

TEST(PlanApply, OverridesOnlyChangedTensors) {
  auto m = Model::load(lq::test::write_tiny_gpt2());
  QuantCache cache;
  const auto rp = resolve_plan(parse_plan_line("base=fp32; keep int4 layers=1"), *m);
  WeightSet ws = build_weight_set(*m, rp, cache);
  for (const auto& r : rp.tensors) EXPECT_EQ(ws.is_overridden(r.index), m->tensors()[r.index].layer == 1);
  // blk.1.attn_qkv.weight equals fake_quantize on its [out, in] values.
  const TensorInfo& t = m->get("blk.1.attn_qkv.weight");
  const auto expect = fake_quantize(parse_format("int4"), logical_values(t), t.out_dim(), t.in_dim());
  EXPECT_NE(ws.matrix("blk.1.attn_qkv.weight").decoder, nullptr);  // held as codes and scales
  const auto got = expanded(ws, "blk.1.attn_qkv.weight");
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
  const auto got = expanded(ws, "blk.0.ffn_down.weight");
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
  EXPECT_EQ(a.matrix("token_embd.weight").decoder, b.matrix("output.weight").decoder);
  EXPECT_EQ(a.vector("output_norm.bias"), b.vector("output_norm.bias"));
  EXPECT_NE(a.matrix("blk.0.ffn_up.weight").decoder, b.matrix("blk.0.ffn_up.weight").decoder);
}

TEST(PlanApply, MatricesAreHeldInTheirFormatsSize) {
  auto m = Model::load(lq::test::write_tiny_gpt2());
  QuantCache cache;
  const auto rp = resolve_plan(parse_plan_line("base=int4-g32; keep fp16 layers=0"), *m);
  WeightSet ws = build_weight_set(*m, rp, cache);
  const TensorInfo& t = m->get("blk.0.ffn_up.weight");
  const auto* kept = dynamic_cast<const QuantizedMatrix*>(ws.matrix("blk.0.ffn_up.weight").decoder);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->format().kind, Kind::F16);
  EXPECT_EQ(kept->bytes(), size_t(t.view->numel() * 2));  // binary16: half of F32, and exact
  const auto w = logical_values(t);
  const auto got = expanded(ws, "blk.0.ffn_up.weight");
  for (size_t i = 0; i < w.size(); ++i) ASSERT_EQ(got[i], f16_to_f32(f32_to_f16(w[i]))) << i;
  const auto* q = dynamic_cast<const QuantizedMatrix*>(ws.matrix("blk.1.ffn_up.weight").decoder);
  ASSERT_NE(q, nullptr);
  EXPECT_LT(q->bytes(), size_t(t.view->numel()));  // int4-g32: well under a byte a weight
  EXPECT_TRUE(ws.is_overridden(m->index_of("blk.0.ffn_up.weight")));
}
