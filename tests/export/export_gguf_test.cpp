// export_gguf on a tiny llama GGUF (width 256 so K-quants fit, F32 weights, 2 layers): every
// tensor in the type the plan resolves to, holding exactly the simulation's values (the Q/K
// rows that the model un-permutes at load are back in the file's order), the source's metadata
// with llama-quantize's rewrites, the imatrix's blocks, and refusals that leave no file.
// (Byte-identity with llama.cpp itself: tests/oracle/test_export_gguf.py.)
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <random>

#include "core/error.h"
#include "export/gguf_export.h"
#include "export/llama_quantize_export.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "quant/ggml_blocks.h"
#include "quant/imatrix.h"
#include "quant/plan_apply.h"

namespace lq {
namespace {

constexpr int kD = 256, kFf = 512, kLayers = 2, kVocab = 64, kHeads = 4, kKv = 2;

std::filesystem::path temp(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("lq_export_" + std::to_string(::getpid()) + "_" + name);
}

std::string tiny_llama() {
  GgufWriter w;
  w.set("general.architecture", GgufValue::string("llama"));
  w.set("general.name", GgufValue::string("tiny"));
  w.set("llama.embedding_length", GgufValue::u32(kD));
  w.set("llama.block_count", GgufValue::u32(kLayers));
  w.set("llama.attention.head_count", GgufValue::u32(kHeads));
  w.set("llama.attention.head_count_kv", GgufValue::u32(kKv));
  w.set("llama.feed_forward_length", GgufValue::u32(kFf));
  w.set("llama.context_length", GgufValue::u32(64));
  w.set("llama.attention.layer_norm_rms_epsilon", GgufValue::f32(1e-5f));
  w.set("general.file_type", GgufValue::u32(0));
  std::vector<std::string> tokens;
  for (int i = 0; i < kVocab; ++i) tokens.push_back("t" + std::to_string(i));
  w.set("tokenizer.ggml.model", GgufValue::string("gpt2"));
  w.set("tokenizer.ggml.tokens", GgufValue::strings(tokens));
  std::mt19937 rng(7);
  std::normal_distribution<float> n(0.0f, 0.02f);
  auto mat = [&](const std::string& name, int rows, int cols) {
    std::vector<float> v(size_t(rows) * cols);
    for (auto& x : v) x = n(rng);
    w.add_tensor(name, DType::F32, {rows, cols}, v.data(), v.size() * 4);
  };
  auto vec = [&](const std::string& name, int len) {
    std::vector<float> v(size_t(len), 1.0f);
    w.add_tensor(name, DType::F32, {len}, v.data(), v.size() * 4);
  };
  const int hd = kD / kHeads;
  mat("token_embd.weight", kVocab, kD);
  vec("output_norm.weight", kD);
  mat("output.weight", kVocab, kD);
  for (int l = 0; l < kLayers; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    vec(b + "attn_norm.weight", kD);
    mat(b + "attn_q.weight", kHeads * hd, kD);
    mat(b + "attn_k.weight", kKv * hd, kD);
    mat(b + "attn_v.weight", kKv * hd, kD);
    mat(b + "attn_output.weight", kD, kHeads * hd);
    vec(b + "ffn_norm.weight", kD);
    mat(b + "ffn_gate.weight", kFf, kD);
    mat(b + "ffn_up.weight", kFf, kD);
    mat(b + "ffn_down.weight", kD, kFf);
  }
  const std::string path = temp("tiny.gguf").string();
  w.write(path);
  return path;
}

class ExportGguf : public ::testing::Test {
 protected:
  void SetUp() override {
    src = tiny_llama();
    model = Model::load(src);
  }
  void TearDown() override {
    for (const auto& p : {src, out}) std::filesystem::remove(p);
  }
  // The simulation's matrix of `name` under `rp`, expanded to F32 [out, in].
  std::vector<float> simulated(const quant::ResolvedPlan& rp, const std::string& name) {
    quant::QuantCache cache;
    const WeightSet ws = quant::build_weight_set(*model, rp, cache);
    const MatrixRef m = ws.matrix(name);
    std::vector<float> v(size_t(m.out * m.in));
    if (m.decoder) {
      m.decoder->decode_rows(0, m.out, v.data());
    } else {
      for (int64_t o = 0; o < m.out; ++o)
        for (int64_t i = 0; i < m.in; ++i) v[size_t(o * m.in + i)] = static_cast<const float*>(m.data)[m.index(o, i)];
    }
    return v;
  }
  std::string src, out = temp("out.gguf").string();
  std::unique_ptr<Model> model;
};

TEST_F(ExportGguf, TensorsAreTheSimulationsInThePlansTypes) {
  const auto rp = quant::resolve_plan(quant::parse_plan_line("base=Q4_K_M; keep q8_0 layers=0"), *model);
  const auto sum = exporter::export_gguf(*model, rp, out);
  GgufFile f(out);
  EXPECT_EQ(sum.tensors, int64_t(f.tensors().size()));
  EXPECT_EQ(f.tensors().size(), model->tensors().size());
  int checked = 0;
  for (const auto& r : rp.tensors) {
    const TensorInfo& t = model->tensors()[r.index];
    const TensorView& v = f.tensor(t.canonical);
    if (!t.is_matrix()) {
      EXPECT_EQ(v.dtype, DType::F32) << t.canonical;
      continue;
    }
    ASSERT_EQ(v.dtype, quant::ggml::dtype_of(quant::ggml::block_type_of(r.format.kind))) << t.canonical;
    // The file's rows, in the order the model reads them (Q/K un-permuted at load), decode to
    // exactly the simulated weights.
    const auto back = Model::load(out);
    std::vector<float> got = quant::logical_values(back->get(t.canonical));
    EXPECT_EQ(got, simulated(rp, t.canonical)) << t.canonical << " " << quant::canonical_name(r.format);
    ++checked;
  }
  EXPECT_EQ(checked, 2 + kLayers * 7);
  EXPECT_EQ(f.tensor("blk.0.attn_q.weight").dtype, DType::Q8_0);  // the rule
  EXPECT_EQ(f.tensor("blk.1.attn_q.weight").dtype, DType::Q4_K);  // the mixture
  EXPECT_EQ(f.tensor("output.weight").dtype, DType::Q6_K);
  // Metadata: the source's, with llama-quantize's rewrites.
  EXPECT_EQ(f.get_int("general.file_type"), 15);
  EXPECT_EQ(f.get_int("general.quantization_version"), 2);
  EXPECT_EQ(f.get_string("general.name"), "tiny");
  EXPECT_EQ(f.get_strings("tokenizer.ggml.tokens").size(), size_t(kVocab));
  EXPECT_FALSE(f.find("quantize.imatrix.file"));
}

TEST_F(ExportGguf, ImatrixBlocksAreGgmlsWeightedOnes) {
  quant::Imatrix im;
  im.datasets = {"t"};
  im.chunk_count = 1;
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-3, 1);
  for (const auto& t : model->tensors()) {
    if (!t.is_matrix() || t.layer < 0) continue;
    quant::ImatrixEntry e;
    e.cols = t.in_dim();
    e.counts = {16};
    for (int64_t c = 0; c < e.cols; ++c) e.sum2.push_back(16 * std::pow(10.0, u(rng)));
    im.entries[t.canonical] = e;
  }
  const auto im_path = temp("im.gguf").string();
  quant::save_imatrix(im, im_path);
  const auto rp = quant::resolve_plan(quant::parse_plan_line("base=q4_k; keep fp32 kind=norm; imatrix=" + im_path), *model);
  const auto sum = exporter::export_gguf(*model, rp, out);
  std::filesystem::remove(im_path);
  EXPECT_EQ(sum.imatrix, kLayers * 7);
  GgufFile f(out);
  const GgufFile s(src);
  // ffn_down of layer 1 (not permuted): the file's rows are ggml's weighted blocks of the source rows.
  const std::string name = "blk.1.ffn_down.weight";
  const TensorView& v = f.tensor(name);
  const std::vector<float> w = to_f32(s.tensor(name));
  const auto qw = im.column_weights(name);
  for (int64_t r = 0; r < kD; ++r) {
    const auto blocks = quant::ggml::quantize_row(quant::ggml::BlockType::Q4_K, w.data() + r * kFf, kFf, qw.data());
    ASSERT_EQ(0, std::memcmp(blocks.data(), v.data + r * blocks.size(), blocks.size())) << "row " << r;
  }
  EXPECT_EQ(f.get_int("quantize.imatrix.entries_count"), kLayers * 7);
  EXPECT_FALSE(f.find("general.file_type"));  // no mixture: llama.cpp guesses
}

TEST_F(ExportGguf, InexpressiblePlansAreRefusedBeforeWriting) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"base=int4-g128", "base=int4-g128"},
      {"base=Q4_K_M; keep fp16 top=1%", "rule 'keep fp16 top=1%'"},
      {"base=Q4_K_M; keep int8 layers=1", "rule 'keep int8 layers=1'"},
      {"base=q8_0", "1-D tensor"},
  };
  for (const auto& [plan, want] : cases) {
    const auto rp = quant::resolve_plan(quant::parse_plan_line(plan), *model);
    const auto why = exporter::gguf_refusal(*model, rp);
    ASSERT_TRUE(why) << plan;
    EXPECT_NE(why->find(want), std::string::npos) << *why;
    EXPECT_NE(why->find("target gguf"), std::string::npos) << *why;
    EXPECT_THROW(exporter::export_gguf(*model, rp, out), Error) << plan;
    EXPECT_FALSE(std::filesystem::exists(out)) << plan;
  }
  EXPECT_FALSE(exporter::gguf_refusal(*model, quant::resolve_plan(quant::parse_plan_line("base=q8_0; keep fp32 kind=norm"), *model)));
}

TEST_F(ExportGguf, LlamaQuantizeScriptNamesEveryOverride) {
  const auto rp = quant::resolve_plan(
      quant::parse_plan_line("base=Q4_K_M; keep q8_0 layers=0; keep q6_k name=blk.1.ffn_up.weight; output_tensor_type=q8_0"),
      *model);
  const std::string sh = temp("plan.sh").string();
  const auto res = exporter::export_llama_quantize(*model, rp, sh);
  auto read = [](const std::string& p) {
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  const std::string script = read(sh), types = read(res.tensor_types);
  EXPECT_EQ(res.output, temp("plan.gguf").string());
  EXPECT_NE(script.find("--output-tensor-type q8_0"), std::string::npos) << script;
  EXPECT_NE(script.find("--tensor-type-file '" + res.tensor_types + "'"), std::string::npos) << script;
  EXPECT_NE(script.find("'" + src + "' '" + res.output + "' Q4_K_M \"$@\""), std::string::npos) << script;
  EXPECT_EQ(script.find("--allow-requantize"), std::string::npos);  // an F32 source
  EXPECT_EQ(script.find("--imatrix"), std::string::npos);
  EXPECT_TRUE((std::filesystem::status(sh).permissions() & std::filesystem::perms::owner_exec) != std::filesystem::perms::none);
  // The 7 matrices of layer 0 and blk.1.ffn_up, exact names, ggml's type spelling; no norms.
  EXPECT_EQ(res.overrides, 8);
  EXPECT_NE(types.find("^blk\\.0\\.attn_q\\.weight$=q8_0\n"), std::string::npos) << types;
  EXPECT_NE(types.find("^blk\\.1\\.ffn_up\\.weight$=q6_K\n"), std::string::npos) << types;
  EXPECT_EQ(types.find("norm"), std::string::npos) << types;
  for (const auto& p : {sh, res.tensor_types}) std::filesystem::remove(p);
  // A plain base has no llama-quantize file type: refused, naming it, nothing written.
  const auto plain = quant::resolve_plan(quant::parse_plan_line("base=q4_0; keep fp32 kind=norm"), *model);
  const auto why = exporter::llama_quantize_refusal(*model, plain);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("base=q4_0"), std::string::npos) << *why;
  EXPECT_NE(why->find("target llama-quantize"), std::string::npos) << *why;
  EXPECT_THROW(exporter::export_llama_quantize(*model, plain, sh), Error);
  EXPECT_FALSE(std::filesystem::exists(sh));
}

}  // namespace
}  // namespace lq
