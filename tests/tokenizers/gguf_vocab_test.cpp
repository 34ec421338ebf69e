// GGUF vocabularies built by hand, small enough to know llama.cpp's answer by its rules
// (llama-vocab.cpp): SPM merges by score with ties to the leftmost pair, byte fallback,
// add_space_prefix after special tokens, parse_special; byte-level BPE with a pre-tokenizer
// regex and characters missing from the vocabulary. The real files are compared with llama.cpp
// itself in tests/oracle/test_gguf_tokenizer.py.
#include "tokenizers/gguf_vocab.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace lq {
namespace {

using Ids = std::vector<int32_t>;

// SPM: 0 <unk>, 1 <s>, 2 </s>, 3-4 byte tokens, 5 ▁, 6-8 a b c, 9 bc, 10 ab, 11 ▁a, 12 <u> (user-defined).
GgufVocab spm_vocab() {
  GgufVocab v;
  v.model = "llama";
  v.source = "spm.gguf";
  v.tokens = {"<unk>", "<s>", "</s>", "<0xC3>", "<0xA9>", "\xE2\x96\x81", "a", "b", "c", "bc", "ab", "\xE2\x96\x81" "a", "<u>"};
  v.scores = {0, 0, 0, 0, 0, -5, -6, -7, -8, -1, -1, -2, 0};
  v.token_types = {2, 3, 3, 6, 6, 1, 1, 1, 1, 1, 1, 1, 4};
  v.bos_id = 1;
  v.eos_id = 2;
  v.unk_id = 0;
  v.add_bos = true;
  v.add_space_prefix = false;
  return v;
}

Ids encode(const GgufVocab& v, const std::string& text, bool special = false) {
  return tokenizer_from_gguf(v)->encode(text, special);
}

TEST(GgufVocabSpm, EqualScoresMergeTheLeftmostPair) {
  // "ab" and "bc" both score -1: llama.cpp takes the leftmost, whatever the ids.
  EXPECT_EQ(encode(spm_vocab(), "abc"), (Ids{10, 8}));
}

TEST(GgufVocabSpm, HigherScoreWinsOverPosition) {
  GgufVocab v = spm_vocab();
  v.scores[9] = -0.5f;  // "bc" now beats "ab"
  EXPECT_EQ(encode(v, "abc"), (Ids{6, 9}));
}

TEST(GgufVocabSpm, HfMergesRankTiesByIdNotPosition) {
  // The tokenizer.json can only rank: "bc" (id 9) before "ab" (id 10). This is the documented
  // difference (spm_score_merges.h), which is why tokenizer_from_gguf runs SpmScoresModel.
  const auto j = tokenizer_json_from_gguf(spm_vocab());
  const auto& merges = j["model"]["merges"];
  ASSERT_GE(merges.size(), 2u);
  EXPECT_EQ(merges[0], nlohmann::json::array({"b", "c"}));
  EXPECT_EQ(merges[1], nlohmann::json::array({"a", "b"}));
  EXPECT_TRUE(j["model"]["byte_fallback"].get<bool>());
}

TEST(GgufVocabSpm, CharactersWithoutTokenBecomeBytes) {
  EXPECT_EQ(encode(spm_vocab(), "\xC3\xA9" "a"), (Ids{3, 4, 6}));
}

TEST(GgufVocabSpm, SpacesBecomeU2581AndPrefixFollowsSpecialTokens) {
  GgufVocab v = spm_vocab();
  EXPECT_EQ(encode(v, " a"), (Ids{11}));
  EXPECT_EQ(encode(v, "a"), (Ids{6}));
  v.add_space_prefix = true;
  EXPECT_EQ(encode(v, "a"), (Ids{11}));
  // after a special token llama.cpp prefixes the next fragment again
  EXPECT_EQ(encode(v, "a</s>a"), (Ids{11, 2, 11}));
}

TEST(GgufVocabSpm, SpecialTokensAreCutOutAndBosAdded) {
  const GgufVocab v = spm_vocab();
  EXPECT_EQ(encode(v, "a<u>b</s>", true), (Ids{1, 6, 12, 7, 2}));
  EXPECT_EQ(encode(v, "", true), (Ids{1}));
  EXPECT_EQ(encode(v, ""), (Ids{}));
}

TEST(GgufVocabSpm, DecodeFusesBytesAndSkipsControlTokens) {
  const auto t = tokenizer_from_gguf(spm_vocab());
  EXPECT_EQ(t->decode({1, 3, 4, 11, 12, 2}, true), "\xC3\xA9 a<u>");
  EXPECT_EQ(t->decode({1, 3, 4, 11, 12, 2}, false), "<s>\xC3\xA9 a<u></s>");
}

// Byte-level BPE: "Ġ" is the space; "c" is in the text but not in the vocabulary.
GgufVocab bpe_vocab() {
  GgufVocab v;
  v.model = "gpt2";
  v.pre = "gpt-2";
  v.source = "bpe.gguf";
  v.tokens = {"<|endoftext|>", "a", "b", "\xC4\xA0", "ab", "\xC4\xA0" "a", "1", "2"};
  v.token_types = {3, 1, 1, 1, 1, 1, 1, 1};
  v.merges = {"a b", "\xC4\xA0 a"};
  v.bos_id = 0;
  v.eos_id = 0;
  v.add_bos = false;
  return v;
}

TEST(GgufVocabBpe, RegexSplitsThenMerges) {
  EXPECT_EQ(encode(bpe_vocab(), "ab a<|endoftext|>"), (Ids{4, 5, 0}));
}

TEST(GgufVocabBpe, MissingCharacterVanishesAndBlocksMerges) {
  // llama.cpp: "acb" keeps "c" as a symbol between "a" and "b", so "ab" cannot form, then drops it.
  EXPECT_EQ(encode(bpe_vocab(), "acb"), (Ids{1, 2}));
}

TEST(GgufVocabBpe, PreTokenizerDecidesDigitSplits) {
  GgufVocab v = bpe_vocab();
  v.merges.push_back("1 2");
  v.tokens.push_back("12");
  v.token_types.push_back(1);
  EXPECT_EQ(encode(v, "12"), (Ids{8}));
  v.pre = "smollm";  // every digit alone first
  EXPECT_EQ(encode(v, "12"), (Ids{6, 7}));
}

TEST(GgufVocabBpe, JsonHasLlamaCppRegexAndByteLevel) {
  const auto j = tokenizer_json_from_gguf(bpe_vocab());
  const auto& parts = j["pre_tokenizer"]["pretokenizers"];
  EXPECT_EQ(parts[0]["type"], "Split");
  EXPECT_EQ(parts[1]["type"], "ByteLevel");
  EXPECT_EQ(parts.back()["behavior"], "Removed");  // the byte characters the vocabulary lacks
  EXPECT_EQ(j["model"]["merges"][0], nlohmann::json::array({"a", "b"}));
  EXPECT_TRUE(j["model"]["unk_token"].is_null());
  EXPECT_EQ(j["added_tokens"][0]["content"], "<|endoftext|>");
  EXPECT_TRUE(j["added_tokens"][0]["special"].get<bool>());
}

void expect_refused(const GgufVocab& v, const std::string& named) {
  try {
    tokenizer_from_gguf(v);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), v.source);
    EXPECT_NE(std::string(e.what()).find(named), std::string::npos) << e.what();
  }
}

TEST(GgufVocab, RefusesUnknownModelsPreTokenizersAndBrokenVocabularies) {
  GgufVocab v = bpe_vocab();
  v.model = "bert";
  expect_refused(v, "'bert'");
  v = bpe_vocab();
  v.pre = "mystery";
  expect_refused(v, "'mystery'");
  v = spm_vocab();
  v.tokens[7] = "a";
  expect_refused(v, "appears twice");
  v = spm_vocab();
  v.scores.pop_back();
  expect_refused(v, "scores");
  v = spm_vocab();
  v.bos_id.reset();
  v.eos_id.reset();
  v.tokens.resize(1);  // no default BOS id 1 either
  v.scores.resize(1);
  v.token_types.resize(1);
  expect_refused(v, "bos");
}

}  // namespace
}  // namespace lq
