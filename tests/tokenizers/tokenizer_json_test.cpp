#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "tokenizers/tokenizer.h"

namespace lq {
namespace {

namespace fs = std::filesystem;

// Writes text to a fresh file in the test's temporary folder and returns its path.
std::string write_temp(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("lq_tokenizer_json_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

// A complete byte-level BPE tokenizer.json over the letters a, b and space.
std::string tiny_json(const std::string& model_type = "BPE", const std::string& merges = R"(["a b", "Ġ ab"])",
                      const std::string& pre_tokenizer = "ByteLevel") {
  return R"({
  "version": "1.0", "truncation": null, "padding": null,
  "added_tokens": [
    {"id": 6, "content": "<eos>", "single_word": false, "lstrip": false, "rstrip": false,
     "normalized": false, "special": true}],
  "normalizer": null,
  "pre_tokenizer": {"type": ")" + pre_tokenizer + R"(", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
  "post_processor": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
  "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
  "model": {"type": ")" + model_type + R"(", "dropout": null, "unk_token": null,
    "continuing_subword_prefix": null, "end_of_word_suffix": null, "fuse_unk": false,
    "byte_fallback": false, "vocab": {"a": 0, "b": 1, "Ġ": 2, "ab": 3, "Ġab": 4, "c": 5},
    "merges": )" + merges + R"(}
})";
}

// The message of the lq::Error that f throws (fails the test when none is thrown).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no lq::Error thrown";
  return "";
}

TEST(TokenizerJson, LoadsAndRoundTrips) {
  const auto tokenizer = load_tokenizer(write_temp("ok.json", tiny_json()));
  EXPECT_EQ(tokenizer->encode("ab ab<eos>c"), (std::vector<int32_t>{3, 4, 6, 5}));
  EXPECT_EQ(tokenizer->decode({3, 4, 6, 5}), "ab ab<eos>c");
  EXPECT_EQ(tokenizer->decode({3, 4, 6, 5}, /*skip_special_tokens=*/true), "ab abc");
  EXPECT_EQ(tokenizer->token_text(4), "Ġab");
  EXPECT_EQ(tokenizer->token_bytes(4), " ab");
  EXPECT_EQ(tokenizer->token_bytes(6), "");  // special
  EXPECT_EQ(tokenizer->token_to_id("<eos>"), 6);
  EXPECT_EQ(tokenizer->vocab_size(), 7u);
}

TEST(TokenizerJson, AcceptsArrayMerges) {
  const auto tokenizer = load_tokenizer(write_temp("arrays.json", tiny_json("BPE", R"([["a", "b"], ["Ġ", "ab"]])")));
  EXPECT_EQ(tokenizer->encode("ab ab"), (std::vector<int32_t>{3, 4}));
}

// Issue 13: only parse_error was caught, so a number too large for a double (out_of_range) or
// a field of a type no builder checks by hand (type_error) gave a bare library message.
TEST(TokenizerJson, EveryJsonErrorNamesTheFile) {
  std::string huge = tiny_json();
  huge.replace(huge.find("\"dropout\": null"), 15, "\"dropout\": 1e999");
  const std::string overflow = write_temp("overflow.json", huge);
  const std::string msg = error_of([&] { load_tokenizer(overflow); });
  EXPECT_NE(msg.find(overflow + ": not valid JSON: number overflow parsing '1e999'"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("[json.exception"), std::string::npos) << msg;

  std::string typed = tiny_json();
  typed.replace(typed.find("\"a\": 0"), 6, "\"a\": \"zero\"");
  const std::string mistyped = write_temp("mistyped.json", typed);
  EXPECT_NE(error_of([&] { load_tokenizer(mistyped); }).find(mistyped + ": "), std::string::npos);
}

TEST(TokenizerJson, RejectsBadInputNamingTheFile) {
  const std::string not_json = write_temp("not_json.json", "{\"model\": ");
  EXPECT_NE(error_of([&] { load_tokenizer(not_json); }).find(not_json + ": not valid JSON"), std::string::npos);

  const std::string word_level = write_temp("word_level.json", tiny_json("WordLevel"));
  EXPECT_NE(error_of([&] { load_tokenizer(word_level); }).find("unsupported model type 'WordLevel'"), std::string::npos);

  const std::string pre = write_temp("pre.json", tiny_json("BPE", R"(["a b"])", "UnicodeScripts"));
  EXPECT_NE(error_of([&] { load_tokenizer(pre); }).find("unsupported pre_tokenizer type 'UnicodeScripts'"),
            std::string::npos);

  // A Unigram vocab is a list of [piece, score], not an object.
  const std::string unigram = write_temp("unigram.json", tiny_json("Unigram"));
  EXPECT_NE(error_of([&] { load_tokenizer(unigram); }).find("expected an array of [piece, score]"), std::string::npos);

  std::string no_merges = tiny_json();
  no_merges.replace(no_merges.find("\"merges\""), 8, "\"merged\"");
  const std::string missing = write_temp("no_merges.json", no_merges);
  EXPECT_NE(error_of([&] { load_tokenizer(missing); }).find("missing field 'merges'"), std::string::npos);

  const std::string bad_merge = write_temp("bad_merge.json", tiny_json("BPE", R"(["a z"])"));
  EXPECT_NE(error_of([&] { load_tokenizer(bad_merge); }).find("'z', which is not in the vocab"), std::string::npos);

  const std::string three = write_temp("three.json", tiny_json("BPE", R"(["a b c"])"));
  EXPECT_NE(error_of([&] { load_tokenizer(three); }).find("model.merges[0]"), std::string::npos);

  const std::string array = write_temp("array.json", "[1, 2]");
  EXPECT_NE(error_of([&] { load_tokenizer(array); }).find("expected a JSON object"), std::string::npos);

  EXPECT_NE(error_of([] { load_tokenizer("/nonexistent/tokenizer.json"); }).find("/nonexistent/tokenizer.json"),
            std::string::npos);
}

TEST(TokenizerJson, FindsTheFileInACheckpointFolder) {
  const std::string path = write_temp("tokenizer.json", tiny_json());
  EXPECT_EQ(find_tokenizer_json(fs::path(path).parent_path().string()), path);
  EXPECT_EQ(find_tokenizer_json(path), path);
  EXPECT_THROW(find_tokenizer_json("/nonexistent"), Error);
}

}  // namespace
}  // namespace lq
