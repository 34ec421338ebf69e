// llama.cpp's mixtures on synthetic tensor lists: the layer pattern (use_more_bits, derived here
// from its definition), fallbacks, tied embeddings, pure and manual overrides. The exact match with
// llama-quantize itself is tests/oracle/test_llama_mixtures.py.
#include <gtest/gtest.h>

#include "core/error.h"
#include "quant/llama_mixture.h"
#include "quant/plan.h"

namespace lq::quant {
namespace {

MixtureModel tiny(int n_layer, int64_t width, bool tied, int64_t n_head = 4, int64_t n_kv = 4) {
  MixtureModel m;
  m.arch = "llama";
  m.n_layer = n_layer;
  m.n_head = n_head;
  m.n_head_kv = n_kv;
  m.tensors.push_back({"token_embd.weight", width, 2});
  if (!tied) m.tensors.push_back({"output.weight", width, 2});
  m.tensors.push_back({"output_norm.weight", width, 1});
  // Deliberately not in llama.cpp's order (block 10 before block 2 as strings): the counters
  // must follow block numbers.
  for (int l = n_layer - 1; l >= 0; --l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    m.tensors.push_back({b + "attn_v.weight", width, 2});
    m.tensors.push_back({b + "attn_q.weight", width, 2});
    m.tensors.push_back({b + "ffn_down.weight", 4 * width, 2});
    m.tensors.push_back({b + "attn_norm.weight", width, 1});
  }
  return m;
}

std::string type_of(const MixtureModel& m, const std::vector<MixtureChoice>& c, const std::string& name) {
  for (size_t i = 0; i < m.tensors.size(); ++i)
    if (m.tensors[i].name == name) return canonical_name(c[i].format);
  return "?";
}

bool more_bits(int i, int n) {  // llama.cpp's use_more_bits, from its definition
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

TEST(LlamaMixture, Q4KMGivesMoreBitsToAttnVAndFfnDownInTheUseMoreBitsLayers) {
  for (int n : {8, 12, 17, 30}) {
    const auto m = tiny(n, 256, false);
    const auto c = llama_mixture_types("Q4_K_M", m);
    for (int l = 0; l < n; ++l) {
      const std::string b = "blk." + std::to_string(l) + ".";
      const std::string want = more_bits(l, n) ? "q6_k" : "q4_k";
      EXPECT_EQ(type_of(m, c, b + "attn_v.weight"), want) << n << " layers, layer " << l;
      EXPECT_EQ(type_of(m, c, b + "ffn_down.weight"), want) << n << " layers, layer " << l;
      EXPECT_EQ(type_of(m, c, b + "attn_q.weight"), "q4_k");
      EXPECT_EQ(type_of(m, c, b + "attn_norm.weight"), "fp32");
    }
    EXPECT_EQ(type_of(m, c, "output.weight"), "q6_k");
    EXPECT_EQ(type_of(m, c, "token_embd.weight"), "q4_k");
  }
}

TEST(LlamaMixture, Width640FallsBackAndTiedEmbeddingStaysQ8_0) {
  const auto m = tiny(6, 640, true);
  const auto c = llama_mixture_types("Q4_K_M", m);
  EXPECT_EQ(type_of(m, c, "token_embd.weight"), "q8_0");  // tied: the output's rule, 640 % 256 != 0
  EXPECT_EQ(type_of(m, c, "blk.1.attn_q.weight"), "q5_0");
  EXPECT_EQ(type_of(m, c, "blk.5.attn_v.weight"), "q8_0");  // more bits (5 >= 7*6/8): q6_k -> q8_0
  for (size_t i = 0; i < m.tensors.size(); ++i)
    if (m.tensors[i].name == "blk.1.attn_q.weight") {
      EXPECT_TRUE(c[i].fallback);
      EXPECT_NE(c[i].reason.find("fallback: 640 % 256 != 0 -> q5_0"), std::string::npos) << c[i].reason;
    }
  const auto q5 = llama_mixture_types("Q5_K_M", m);
  EXPECT_EQ(type_of(m, q5, "blk.1.attn_q.weight"), "q5_1");
  const auto q3 = llama_mixture_types("Q3_K_M", m);
  EXPECT_EQ(type_of(m, q3, "blk.3.attn_q.weight"), "q4_0");
  const auto xs = llama_mixture_types("IQ4_XS", m);
  EXPECT_EQ(type_of(m, xs, "blk.3.attn_q.weight"), "iq4_nl");
}

TEST(LlamaMixture, ManualOverrideStopsTheLayerCounter) {
  const auto m = tiny(8, 256, false);
  MixtureOptions opt;
  opt.manual.resize(m.tensors.size());
  for (size_t i = 0; i < m.tensors.size(); ++i)
    if (m.tensors[i].name == "blk.0.attn_v.weight") opt.manual[i] = parse_format("q8_0");
  const auto c = llama_mixture_types("Q4_K_M", m, opt);
  EXPECT_EQ(type_of(m, c, "blk.0.attn_v.weight"), "q8_0");
  // Layer 1's attn_v is the mixture's attn_v number 0 now, so it gets the bits layer 0 would.
  EXPECT_EQ(type_of(m, c, "blk.1.attn_v.weight"), "q6_k");
}

TEST(LlamaMixture, PureAndOutputTypes) {
  const auto m = tiny(8, 256, true);
  MixtureOptions opt;
  opt.pure = true;
  auto c = llama_mixture_types("Q4_K_M", m, opt);
  EXPECT_EQ(type_of(m, c, "blk.0.attn_v.weight"), "q4_k");
  EXPECT_EQ(type_of(m, c, "token_embd.weight"), "q4_k");
  opt.pure = false;
  opt.output_type = parse_format("q5_0");
  c = llama_mixture_types("Q4_K_M", m, opt);
  EXPECT_EQ(type_of(m, c, "token_embd.weight"), "q5_0");  // tied: takes the output tensor type
}

TEST(LlamaMixture, GqaAndUnknownNames) {
  const auto m = tiny(8, 256, false, 8, 2);
  EXPECT_EQ(type_of(m, llama_mixture_types("Q2_K", m), "blk.3.attn_v.weight"), "q4_k");  // n_gqa 4
  EXPECT_EQ(type_of(m, llama_mixture_types("Q2_K", tiny(8, 256, false)), "blk.3.attn_v.weight"), "q3_k");
  EXPECT_THROW(llama_mixture_types("Q4_K_X", m), Error);
  EXPECT_TRUE(is_llama_mixture("Q4_K_M"));
  EXPECT_FALSE(is_llama_mixture("q4_k_m"));
}

TEST(LlamaMixture, PlanLineRoundTrips) {
  const Plan p = parse_plan_line("base=Q4_K_M; pure; output_tensor_type=q8_0; keep q8_0 layers=0,-1");
  EXPECT_EQ(p.mixture, "Q4_K_M");
  EXPECT_EQ(canonical_name(p.base), "q4_k");
  EXPECT_TRUE(p.pure);
  const Plan q = parse_plan_line(plan_to_line(p));
  EXPECT_EQ(plan_to_line(q), plan_to_line(p));
  EXPECT_EQ(q.mixture, "Q4_K_M");
  EXPECT_THROW(parse_plan_line("base=int4; pure"), Error);
  EXPECT_EQ(parse_plan_line("base=q4_0").mixture, "");  // lower case: the plain format
}

}  // namespace
}  // namespace lq::quant
