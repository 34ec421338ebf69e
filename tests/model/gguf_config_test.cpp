// GGUF hyper-parameters into config.json (model/gguf_config.h) on crafted files. Found by
// tests/fuzz/fuzz_gguf (issue 13): a gemma3 block_count of billions built a per-layer list for
// minutes before any check, and a 62-layer gemma3 with no heads divided by zero.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "model/gguf_config.h"

namespace lq {
namespace {

// A tiny gemma3 GGUF (metadata only, one norm tensor) with the given depth and head count.
std::string gemma3_gguf(const std::string& name, uint64_t block_count, uint32_t heads) {
  GgufWriter w;
  w.set("general.architecture", GgufValue::string("gemma3"));
  w.set("gemma3.embedding_length", GgufValue::u32(32));
  w.set("gemma3.block_count", GgufValue::u64(block_count));
  w.set("gemma3.attention.head_count", GgufValue::u32(heads));
  w.set("gemma3.attention.head_count_kv", GgufValue::u32(1));
  w.set("gemma3.attention.key_length", GgufValue::u32(8));
  w.set("gemma3.feed_forward_length", GgufValue::u32(64));
  w.set("gemma3.context_length", GgufValue::u32(64));
  w.set("gemma3.attention.sliding_window", GgufValue::u32(16));
  w.set("gemma3.attention.layer_norm_rms_epsilon", GgufValue::f32(1e-6f));
  w.set("tokenizer.ggml.tokens", GgufValue::strings({"<pad>", "a", "b"}));
  const float norm[32] = {};
  w.add_tensor("output_norm.weight", DType::F32, {32}, norm, sizeof norm);
  const auto path = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".gguf");
  w.write(path.string());
  return path.string();
}

std::string error_of(const std::string& path) {
  try {
    GgufFile g(path);
    hf_config_from_gguf(g);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(GgufConfig, AHugeGemma3BlockCountIsRefusedAtOnce) {
  const std::string path = gemma3_gguf("huge-depth", uint64_t{1} << 40, 4);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string msg = error_of(path);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
  EXPECT_NE(msg.find(path + ": gemma3.block_count is 1099511627776"), std::string::npos) << msg;
  std::filesystem::remove(path);
}

TEST(GgufConfig, A62LayerGemma3WithoutHeadsIsAnError) {
  const std::string path = gemma3_gguf("no-heads", 62, 0);
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find("head_count must be positive"), std::string::npos) << msg;
  std::filesystem::remove(path);
}

TEST(GgufConfig, AValidGemma3GivesOneLayerTypePerLayer) {
  const std::string path = gemma3_gguf("ok", 12, 4);
  GgufFile g(path);
  const nlohmann::json c = hf_config_from_gguf(g);
  ASSERT_EQ(c.at("layer_types").size(), 12u);
  EXPECT_EQ(c["layer_types"][5], "full_attention");
  EXPECT_EQ(c["layer_types"][4], "sliding_attention");
  EXPECT_EQ(c.at("query_pre_attn_scalar"), 8);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace lq
