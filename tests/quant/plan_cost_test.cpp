// Overhead, bits per weight and bytes, counted by hand on the tiny 2-layer GPT-2
// (n_embd 64, vocab 96, context 32).
#include <gtest/gtest.h>

#include "quant/plan_cost.h"
#include "tiny_checkpoint.h"

using namespace lq;
using namespace lq::quant;

namespace {
// Parameters: wte 96*64, wpe 32*64; per layer ln_1 128, c_attn 64*192 + 192, c_proj 64*64 + 64,
// ln_2 128, c_fc 64*256 + 256, mlp.c_proj 256*64 + 64; ln_f 128.
constexpr int64_t kLayer = 128 + 12288 + 192 + 4096 + 64 + 128 + 16384 + 256 + 16384 + 64;  // 49984
constexpr int64_t kTotal = 6144 + 2048 + 2 * kLayer + 128;                                   // 108288
constexpr int kTensors = 2 + 2 * 12 + 2;  // 28 (token_embd counted once although it is also output)
}  // namespace

TEST(PlanCost, ByHandOnTinyModel) {
  auto m = Model::load(lq::test::write_tiny_gpt2());
  ASSERT_EQ(m->parameter_count(), kTotal);
  ASSERT_EQ(static_cast<int>(m->tensors().size()), kTensors);

  // All int4 (per-tensor scale): 4 bits a weight + one F32 scale a tensor.
  auto none = plan_cost(resolve_plan(parse_plan_line("base=int4"), *m), *m);
  EXPECT_EQ(none.bytes, static_cast<uint64_t>(kTotal / 2 + 4 * kTensors));
  EXPECT_EQ(none.kept, 0);
  EXPECT_EQ(none.base_bytes, none.bytes);
  EXPECT_EQ(none.fp32_bytes, static_cast<uint64_t>(4 * kTotal));
  EXPECT_EQ(none.checkpoint_bytes, static_cast<uint64_t>(4 * kTotal));

  // Layer 0 at fp16: 12 tensors of 2 bytes a weight; the other 16 tensors int4.
  auto l0 = plan_cost(resolve_plan(parse_plan_line("base=int4; keep fp16 layers=0"), *m), *m);
  EXPECT_EQ(l0.kept, kLayer);
  EXPECT_DOUBLE_EQ(l0.overhead(), static_cast<double>(kLayer) / kTotal);
  EXPECT_EQ(l0.bytes, static_cast<uint64_t>(2 * kLayer + (kTotal - kLayer) / 2 + 4 * 16));
  EXPECT_DOUBLE_EQ(l0.bits_per_weight(), 8.0 * l0.bytes / kTotal);

  // Tied: keeping output.weight keeps token_embd once (6144 parameters, not 12288).
  auto tied = plan_cost(resolve_plan(parse_plan_line("base=int4; keep fp16 name=output.weight"), *m), *m);
  EXPECT_EQ(tied.kept, 6144);
  EXPECT_EQ(tied.bytes, static_cast<uint64_t>(2 * 6144 + (kTotal - 6144) / 2 + 4 * 27));

  // Element groups: top 5% of ln_f.bias (64 -> 4 elements) at fp16 + a 32-bit index each,
  // on top of the dense int4 tensor: 32 + 4 bytes + 4 * (2 + 4) bytes.
  auto top = plan_cost(resolve_plan(parse_plan_line("base=int4; keep fp16 name=output_norm.bias top=5%"), *m), *m);
  EXPECT_EQ(top.kept, 4);
  EXPECT_EQ(top.tensors[m->index_of("output_norm.bias")].bytes, 32u + 4u + 4u * 6u);
  EXPECT_EQ(top.bytes, none.bytes + 24u);

  // A rule that lowers precision counts as lowered, not as overhead.
  auto low = plan_cost(resolve_plan(parse_plan_line("base=int4; keep int2 layers=1; keep fp16 kind=bias"), *m), *m);
  EXPECT_EQ(low.lowered, kLayer - (192 + 64 + 256 + 64));
  EXPECT_EQ(low.kept, 2 * (192 + 64 + 256 + 64));

  // int4-g32 on a 64-wide row: two F16 scales a row.
  auto g = plan_cost(resolve_plan(parse_plan_line("base=int4-g32"), *m), *m);
  EXPECT_EQ(g.tensors[m->index_of("output_norm.weight")].bytes, (64u * 4u + 2u * 16u) / 8u);
}
