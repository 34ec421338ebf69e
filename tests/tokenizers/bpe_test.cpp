#include <gtest/gtest.h>

#include "core/error.h"
#include "tokenizers/model_bpe.h"

namespace lq::tok {
namespace {

BpeConfig tiny_config() {
  BpeConfig config;
  config.vocab = {{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"bc", 4}, {"abc", 5}, {"aa", 6}};
  return config;
}

std::vector<int32_t> tokenize(const BpeModel& model, std::string_view word) {
  std::vector<int32_t> ids;
  model.tokenize(word, ids);
  return ids;
}

TEST(Bpe, AppliesLowestRankFirst) {
  BpeConfig config = tiny_config();
  config.merges = {{"b", "c"}, {"a", "b"}, {"a", "bc"}};
  BpeModel model(std::move(config), "test");
  EXPECT_EQ(tokenize(model, "abc"), (std::vector<int32_t>{5}));  // b+c, then a+bc
  EXPECT_EQ(tokenize(model, "ab"), (std::vector<int32_t>{3}));
  EXPECT_EQ(tokenize(model, "cab"), (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(tokenize(model, "abc"), (std::vector<int32_t>{5}));  // again, from the cache
}

TEST(Bpe, RankDecidesNotPosition) {
  BpeConfig config = tiny_config();
  config.merges = {{"a", "b"}, {"b", "c"}};  // "abc" has no merge for ab + c
  BpeModel model(std::move(config), "test");
  EXPECT_EQ(tokenize(model, "abc"), (std::vector<int32_t>{3, 2}));
}

TEST(Bpe, EqualRanksMergeLeftmostFirst) {
  BpeConfig config = tiny_config();
  config.merges = {{"a", "a"}};
  BpeModel model(std::move(config), "test");
  EXPECT_EQ(tokenize(model, "aaa"), (std::vector<int32_t>{6, 0}));
  EXPECT_EQ(tokenize(model, "aaaa"), (std::vector<int32_t>{6, 6}));
}

TEST(Bpe, UnknownCharacters) {
  BpeConfig config = tiny_config();
  config.vocab.emplace("<unk>", 7);
  config.unk_token = "<unk>";
  BpeModel separate(BpeConfig(config), "test");
  EXPECT_EQ(tokenize(separate, "axyb"), (std::vector<int32_t>{0, 7, 7, 1}));
  config.fuse_unk = true;
  BpeModel fused(std::move(config), "test");
  EXPECT_EQ(tokenize(fused, "axyb"), (std::vector<int32_t>{0, 7, 1}));
  // Without unk_token, tokenizers drops what it cannot represent.
  BpeModel dropping(tiny_config(), "test");
  EXPECT_EQ(tokenize(dropping, "axb"), (std::vector<int32_t>{0, 1}));
}

TEST(Bpe, ByteFallback) {
  BpeConfig config = tiny_config();
  config.vocab.emplace("<0xC3>", 10);
  config.vocab.emplace("<0xA9>", 11);
  config.byte_fallback = true;
  BpeModel model(std::move(config), "test");
  EXPECT_EQ(tokenize(model, "a\xc3\xa9"), (std::vector<int32_t>{0, 10, 11}));
}

TEST(Bpe, ContinuingSubwordPrefixAndIgnoreMerges) {
  BpeConfig config;
  config.vocab = {{"a", 0}, {"##b", 1}, {"ab", 2}, {"b", 3}, {"bab", 4}, {"##a", 5}};
  config.merges = {{"a", "##b"}};
  config.continuing_subword_prefix = "##";
  config.ignore_merges = true;
  BpeModel model(std::move(config), "test");
  EXPECT_EQ(tokenize(model, "ab"), (std::vector<int32_t>{2}));
  EXPECT_EQ(tokenize(model, "bab"), (std::vector<int32_t>{4}));  // whole word in vocab
  EXPECT_EQ(tokenize(model, "ba"), (std::vector<int32_t>{3, 5}));
}

TEST(Bpe, RejectsMergesOutsideTheVocab) {
  BpeConfig config = tiny_config();
  config.merges = {{"a", "z"}};
  EXPECT_THROW(BpeModel(std::move(config), "test"), lq::Error);
  config = tiny_config();
  config.merges = {{"c", "a"}};  // "ca" is not in the vocab
  EXPECT_THROW(BpeModel(std::move(config), "test"), lq::Error);
}

}  // namespace
}  // namespace lq::tok
