// Plans with an importance matrix (imatrix=FILE[:MIX]): parsed and printed back, resolved into
// per-tensor column weights, simulated with ggml's importance-weighted quantizers (checked row
// by row against ggml::quantize_row with those weights, and against the unweighted rows, which
// must differ), and kept apart from the unweighted copies in the quantization cache.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "quant/ggml_blocks.h"
#include "quant/imatrix.h"
#include "quant/plan_apply.h"
#include "tiny_checkpoint.h"

using namespace lq;
using namespace lq::quant;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("lq_plan_imatrix_" + name)).string();
}

// An imatrix with an entry per matrix of `m` whose column sums of squares vary over three
// orders of magnitude (so the weighted scale searches choose differently from the plain ones).
Imatrix imatrix_for(const Model& m, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-3, 0);
  Imatrix im;
  im.datasets = {"test"};
  im.chunk_count = 2;
  im.chunk_size = 16;
  for (const auto& t : m.tensors()) {
    if (!t.is_matrix() || t.canonical == "token_embd.weight" || t.canonical == "position_embd.weight") continue;
    ImatrixEntry e;
    e.cols = logical_cols(t);
    e.counts = {32};
    for (int64_t c = 0; c < e.cols; ++c) e.sum2.push_back(32 * std::pow(10.0, u(rng)));
    im.entries[t.canonical] = e;
  }
  return im;
}

std::vector<float> expanded(const WeightSet& ws, const std::string& name) {
  const MatrixRef mr = ws.matrix(name);
  EXPECT_NE(mr.decoder, nullptr) << name;
  std::vector<float> v(size_t(mr.out * mr.in));
  mr.decoder->decode_rows(0, mr.out, v.data());
  return v;
}

// ggml's writer row by row, with or without the column weights, dequantized.
std::vector<float> ggml_rows(const Format& f, const TensorInfo& t, const float* qw) {
  const auto bt = ggml::block_type_of(f.kind);
  const auto w = logical_values(t);
  const int64_t rows = logical_rows(t), cols = logical_cols(t);
  std::vector<float> out(w.size());
  for (int64_t r = 0; r < rows; ++r) {
    const auto blocks = ggml::quantize_row(bt, w.data() + r * cols, cols, qw);
    ggml::dequantize_row(bt, blocks.data(), out.data() + r * cols, cols);
  }
  return out;
}

class PlanImatrix : public ::testing::Test {
 protected:
  void SetUp() override {
    lq::test::TinyGpt2 cfg;
    cfg.n_embd = 256;  // rows of 256 and 1024: K-quants fit
    cfg.n_head = 4;
    model = Model::load(lq::test::write_tiny_gpt2(cfg));
    path = temp_path("a.gguf");
    save_imatrix(imatrix_for(*model, 1), path);
  }
  void TearDown() override { std::filesystem::remove(path); }
  std::unique_ptr<Model> model;
  std::string path;
};

}  // namespace

TEST(PlanImatrixParse, LineTomlAndJsonForms) {
  const Plan p = parse_plan_line("base=q4_k; imatrix=im.gguf:en=0.5,ar=0.5; keep q8_0 layers=0");
  EXPECT_EQ(p.imatrix, "im.gguf:en=0.5,ar=0.5");
  EXPECT_EQ(plan_to_line(p), "base=q4_k; imatrix=im.gguf:en=0.5,ar=0.5; keep q8_0 layers=0");
  EXPECT_EQ(parse_plan_line(plan_to_line(p)).imatrix, p.imatrix);
  const Plan q = parse_plan_line("base=Q4_K_M; imatrix=\"my dir/im.gguf:balanced\"");
  EXPECT_EQ(q.mixture, "Q4_K_M");
  EXPECT_EQ(q.imatrix, "my dir/im.gguf:balanced");
  EXPECT_EQ(parse_plan_line(plan_to_line(q)).imatrix, q.imatrix);  // quoted back
  EXPECT_TRUE(parse_plan_line("base=q4_k").imatrix.empty());
  const std::string json = temp_path("plan.json");
  {
    std::ofstream(json) << R"({"base": "Q4_K_M", "imatrix": "im.gguf:balanced"})";
  }
  EXPECT_EQ(parse_plan_json(json).imatrix, "im.gguf:balanced");
  std::filesystem::remove(json);
}

TEST_F(PlanImatrix, SimulationIsGgmlsImportanceWeightedQuantizer) {
  const Imatrix im = load_imatrix(path);
  QuantCache cache;
  const auto plain = resolve_plan(parse_plan_line("base=q4_k"), *model);
  const auto weighted = resolve_plan(parse_plan_line("base=q4_k; imatrix=" + path), *model);
  const WeightSet ws_plain = build_weight_set(*model, plain, cache);
  const WeightSet ws = build_weight_set(*model, weighted, cache);
  int checked = 0;
  for (const auto& r : weighted.tensors) {
    const TensorInfo& t = model->tensors()[r.index];
    if (!t.is_matrix() || t.canonical == "token_embd.weight" || t.canonical == "position_embd.weight") {
      EXPECT_EQ(r.quant_weights, nullptr) << t.canonical;  // no entry: no weights
      continue;
    }
    ASSERT_NE(r.quant_weights, nullptr) << t.canonical;
    EXPECT_EQ(*r.quant_weights, im.column_weights(t.canonical)) << t.canonical;
    const auto want = ggml_rows(r.format, t, r.quant_weights->data());
    const auto got = expanded(ws, t.canonical);
    ASSERT_EQ(got, want) << t.canonical << " " << canonical_name(r.format);
    EXPECT_NE(got, ggml_rows(r.format, t, nullptr)) << t.canonical << ": the weights changed nothing";
    EXPECT_EQ(expanded(ws_plain, t.canonical), ggml_rows(r.format, t, nullptr)) << t.canonical;
    EXPECT_NE(cache_key(r, t), cache_key(plain.tensors[&r - weighted.tensors.data()], t));
    // quantized_values (the F32 path) agrees with the compressed one.
    EXPECT_EQ(quantized_values(r, t), want) << t.canonical;
    ++checked;
  }
  EXPECT_EQ(checked, 8);  // 2 layers x (qkv, attn out, mlp up, mlp down)
}

TEST_F(PlanImatrix, MixtureBaseUsesTheWeightsAndOtherImatricesOtherCopies) {
  const std::string other = temp_path("b.gguf");
  save_imatrix(imatrix_for(*model, 2), other);
  QuantCache cache;
  const auto a = resolve_plan(parse_plan_line("base=Q4_K_M; imatrix=" + path), *model);
  const auto b = resolve_plan(parse_plan_line("base=Q4_K_M; imatrix=" + other), *model);
  std::filesystem::remove(other);
  const WeightSet wa = build_weight_set(*model, a, cache);
  const WeightSet wb = build_weight_set(*model, b, cache);
  int weighted = 0;
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const auto& r = a.tensors[i];
    const TensorInfo& t = model->tensors()[r.index];
    if (!r.quant_weights) continue;
    ++weighted;
    EXPECT_NE(r.quant_weights_hash, b.tensors[i].quant_weights_hash) << t.canonical;
    EXPECT_NE(cache_key(r, t), cache_key(b.tensors[i], t)) << t.canonical;
    const auto want = ggml_rows(r.format, t, r.quant_weights->data());
    EXPECT_EQ(expanded(wa, t.canonical), want) << t.canonical;
    if (r.format.kind != Kind::Q8_0) {  // q8_0 ignores importance weights, as in ggml
      EXPECT_NE(expanded(wb, t.canonical), want) << t.canonical;
    }
  }
  EXPECT_EQ(weighted, 8);
}

TEST_F(PlanImatrix, WrongWidthIsRefusedNamingTheTensor) {
  Imatrix im = imatrix_for(*model, 3);
  im.entries["blk.0.ffn_up.weight"].cols = 7;
  im.entries["blk.0.ffn_up.weight"].sum2.resize(7);
  const std::string bad = temp_path("bad.gguf");
  save_imatrix(im, bad);
  try {
    resolve_plan(parse_plan_line("base=q4_k; imatrix=" + bad), *model);
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("blk.0.ffn_up.weight has 7 columns"), std::string::npos) << e.what();
  }
  std::filesystem::remove(bad);
  EXPECT_THROW(resolve_plan(parse_plan_line("base=q4_k; imatrix=/nonexistent/im.gguf"), *model), std::exception);
}
