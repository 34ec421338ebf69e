// config.json: typed accessors with aliases and defaults, and errors naming the file and key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "core/error.h"
#include "formats/model_config.h"

namespace lq {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

class ModelConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("lq_cfg_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write_config(const std::string& text) const { std::ofstream(dir_ / "config.json") << text; }
  std::string config_path() const { return (dir_ / "config.json").string(); }

  fs::path dir_;
};

void expect_error(const std::function<void()>& f, std::initializer_list<std::string> phrases) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    for (const auto& p : phrases) EXPECT_NE(msg.find(p), std::string::npos) << "'" << msg << "' lacks '" << p << "'";
  }
}

const char* kGpt2 = R"({
  "architectures": ["GPT2LMHeadModel", 7],
  "model_type": "gpt2",
  "n_embd": 768, "n_head": 12, "n_layer": 12, "n_positions": 1024, "vocab_size": 50257,
  "n_inner": null,
  "layer_norm_epsilon": 1e-05,
  "attn_pdrop": 0,
  "activation_function": "gelu_new",
  "tie_word_embeddings": true
})";

TEST_F(ModelConfigTest, LoadsTypedValues) {
  write_config(kGpt2);
  const ModelConfig c = ModelConfig::load(dir_.string());
  EXPECT_EQ(c.path(), config_path());
  EXPECT_EQ(c.model_type(), "gpt2");
  EXPECT_EQ(c.architectures(), std::vector<std::string>{"GPT2LMHeadModel"});  // non-strings skipped
  EXPECT_EQ(c.get_int({"n_embd"}), 768);
  EXPECT_EQ(c.get_int({"hidden_size", "n_embd"}), 768);  // first alias present wins
  EXPECT_DOUBLE_EQ(c.get_float({"layer_norm_epsilon"}), 1e-5);
  EXPECT_DOUBLE_EQ(c.get_float({"attn_pdrop"}), 0.0);  // an integer is a number
  EXPECT_EQ(c.get_string({"activation_function"}, "relu"), "gelu_new");
  EXPECT_TRUE(c.get_bool({"tie_word_embeddings"}, false));
  EXPECT_TRUE(c.has("n_layer"));
  EXPECT_FALSE(c.has("n_inner"));  // null counts as absent
  EXPECT_EQ(c.raw()["vocab_size"], 50257);
}

TEST_F(ModelConfigTest, DefaultsForAbsentOrNull) {
  write_config(kGpt2);
  const ModelConfig c = ModelConfig::load(dir_.string());
  EXPECT_EQ(c.get_int({"n_inner"}, 3072), 3072);
  EXPECT_EQ(c.get_int({"intermediate_size"}, 5), 5);
  EXPECT_DOUBLE_EQ(c.get_float({"rope_theta"}, 10000.0), 10000.0);
  EXPECT_FALSE(c.get_bool({"scale_attn_by_inverse_layer_idx"}, false));
  EXPECT_EQ(c.get_string({"hidden_act"}, "gelu"), "gelu");
  EXPECT_EQ(c.find_int({"bos_token_id"}), std::nullopt);
  EXPECT_EQ(c.find_int({"n_head"}), 12);
}

TEST_F(ModelConfigTest, MissingModelTypeIsEmpty) {
  write_config(R"({"n_embd": 8})");
  EXPECT_EQ(ModelConfig::load(dir_.string()).model_type(), "");
}

TEST_F(ModelConfigTest, FromJson) {
  const ModelConfig c = ModelConfig::from_json(json{{"model_type", "gpt2"}, {"n_embd", 4}}, "inline.json");
  EXPECT_EQ(c.path(), "inline.json");
  EXPECT_EQ(c.get_int({"n_embd"}), 4);
  expect_error([] { ModelConfig::from_json(json::array(), "inline.json"); }, {"inline.json", "not a JSON object"});
}

TEST_F(ModelConfigTest, FolderAndFileErrors) {
  expect_error([&] { ModelConfig::load((dir_ / "absent").string()); }, {"absent", "no such checkpoint folder"});
  std::ofstream(dir_ / "plain") << "x";
  expect_error([&] { ModelConfig::load((dir_ / "plain").string()); }, {"plain", "not a folder"});
  expect_error([&] { ModelConfig::load(dir_.string()); }, {config_path(), "missing"});
  fs::create_directories(dir_ / "config.json");
  expect_error([&] { ModelConfig::load(dir_.string()); }, {config_path(), "directory"});
  fs::remove(dir_ / "config.json");
  write_config("{\"n_embd\": ");
  expect_error([&] { ModelConfig::load(dir_.string()); }, {config_path(), "not valid JSON"});
  write_config("");
  expect_error([&] { ModelConfig::load(dir_.string()); }, {config_path(), "not valid JSON"});
  write_config("[1, 2]");
  expect_error([&] { ModelConfig::load(dir_.string()); }, {config_path(), "not a JSON object"});
  write_config("\"gpt2\"");
  expect_error([&] { ModelConfig::load(dir_.string()); }, {config_path(), "not a JSON object"});
}

TEST_F(ModelConfigTest, KeyErrors) {
  write_config(R"({"model_type": 5, "n_embd": "768", "n_head": 12.5, "eps": "small", "tied": 1,
                   "act": ["gelu"], "bos_token_id": true})");
  expect_error([&] { ModelConfig::load(dir_.string()); }, {config_path(), "'model_type' must be a string"});

  write_config(R"({"model_type": "gpt2", "n_embd": "768", "n_head": 12.5, "eps": "small", "tied": 1,
                   "act": ["gelu"], "bos_token_id": true})");
  const ModelConfig c = ModelConfig::load(dir_.string());
  expect_error([&] { c.get_int({"n_layer"}); }, {config_path(), "missing required key 'n_layer'"});
  expect_error([&] { c.get_int({"num_hidden_layers", "n_layer"}); },
               {config_path(), "missing required key 'num_hidden_layers' or 'n_layer'"});
  expect_error([&] { c.get_float({"layer_norm_eps"}); }, {config_path(), "missing required key 'layer_norm_eps'"});
  expect_error([&] { c.get_int({"n_embd"}); }, {config_path(), "'n_embd' must be an integer"});
  expect_error([&] { c.get_int({"n_head"}); }, {config_path(), "'n_head' must be an integer"});
  expect_error([&] { c.get_int({"n_head"}, 4); }, {config_path(), "'n_head' must be an integer"});
  expect_error([&] { c.find_int({"bos_token_id"}); }, {config_path(), "'bos_token_id' must be an integer"});
  expect_error([&] { c.get_float({"eps"}); }, {config_path(), "'eps' must be a number"});
  expect_error([&] { c.get_float({"eps"}, 1e-5); }, {config_path(), "'eps' must be a number"});
  expect_error([&] { c.get_bool({"tied"}, true); }, {config_path(), "'tied' must be true or false"});
  expect_error([&] { c.get_string({"act"}, "gelu"); }, {config_path(), "'act' must be a string"});
}

}  // namespace
}  // namespace lq
