// Byte-level BPE trainer on texts small enough to work out by hand. The comparison with
// Hugging Face's own trainer on real text is tests/oracle/test_bpe_trainer.py.
#include "tokenizers/bpe_trainer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>

#include "core/error.h"
#include "tokenizers/tokenizer.h"

namespace lq {
namespace {

using Merges = std::vector<std::pair<std::string, std::string>>;

Merges merges_of(const nlohmann::json& j) {
  Merges out;
  for (const auto& m : j["model"]["merges"]) out.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
  return out;
}

std::unique_ptr<Tokenizer> load(const nlohmann::json& j) {
  const std::string path = ::testing::TempDir() + "bpe_trainer_test_tokenizer.json";
  std::ofstream(path) << j.dump();
  auto tokenizer = load_tokenizer(path);
  std::remove(path.c_str());
  return tokenizer;
}

BpeTrainerOptions options(int extra_tokens, int min_frequency) {
  BpeTrainerOptions opt;
  opt.vocab_size = 257 + extra_tokens;
  opt.min_frequency = min_frequency;
  return opt;
}

// Words: "ab" x1, "Ġab" x2, "Ġabc" x1. Pair counts: (a,b) 4, (Ġ,a) 3, (b,c) 1, so "ab" first;
// then (Ġ,ab) 3 and (ab,c) 1: "Ġab"; then (Ġab,c) 1, which min_frequency 2 refuses.
TEST(BpeTrainer, MergesMostFrequentPairFirstAndHonoursMinFrequency) {
  const std::vector<std::string> texts = {"ab ab ab abc"};
  EXPECT_EQ(merges_of(train_byte_level_bpe(texts, options(100, 2))), (Merges{{"a", "b"}, {"Ġ", "ab"}}));
  EXPECT_EQ(merges_of(train_byte_level_bpe(texts, options(100, 1))),
            (Merges{{"a", "b"}, {"Ġ", "ab"}, {"Ġab", "c"}}));
}

TEST(BpeTrainer, StopsAtVocabSize) {
  const auto j = train_byte_level_bpe({"ab ab ab abc"}, options(1, 1));
  EXPECT_EQ(merges_of(j), (Merges{{"a", "b"}}));
  EXPECT_EQ(j["model"]["vocab"].size(), 258u);
}

// Words "ba" and "Ġab", every pair seen once. Ids follow code points (a < b < Ġ), so the ties go
// (a,b) < (b,a) < (Ġ,ab): smallest left id, then smallest right id.
TEST(BpeTrainer, BreaksTiesBySmallestPairOfIds) {
  EXPECT_EQ(merges_of(train_byte_level_bpe({"ba ab"}, options(10, 1))),
            (Merges{{"a", "b"}, {"b", "a"}, {"Ġ", "ab"}}));
}

TEST(BpeTrainer, VocabHasSpecialTokensThenAllBytesByCodePoint) {
  BpeTrainerOptions opt = options(0, 2);
  opt.special_tokens = {"<|endoftext|>", "<pad>"};
  opt.vocab_size = 258;
  const auto j = train_byte_level_bpe({"x"}, opt);
  const auto& vocab = j["model"]["vocab"];
  ASSERT_EQ(vocab.size(), 258u);
  EXPECT_EQ(vocab["<|endoftext|>"], 0);
  EXPECT_EQ(vocab["<pad>"], 1);
  EXPECT_EQ(vocab["!"], 2);    // code point 33, the smallest of the byte alphabet
  EXPECT_EQ(vocab["Ā"], 2 + 188);  // U+0100 (byte 0) follows the 188 printable bytes
  EXPECT_EQ(vocab["Ġ"], 2 + 188 + 32);  // U+0120 stands for the space (byte 32)
  ASSERT_EQ(j["added_tokens"].size(), 2u);
  EXPECT_EQ(j["added_tokens"][1]["content"], "<pad>");
  EXPECT_TRUE(j["added_tokens"][1]["special"].get<bool>());
}

TEST(BpeTrainer, LangquantTokenizerLoadsAndRoundTripsTheResult) {
  const std::vector<std::string> texts = {"the cat sat on the mat", "the dog sat on the log", "Grüße, Привет 你好"};
  const auto tokenizer = load(train_byte_level_bpe(texts, options(40, 2)));
  const auto ids = tokenizer->encode("the cat sat");
  EXPECT_EQ(tokenizer->decode(ids), "the cat sat");
  std::vector<std::string> pieces;
  for (int32_t id : ids) pieces.push_back(tokenizer->token_text(id));
  // " cat" was seen once, below min_frequency, so only its frequent part "at" is one token.
  EXPECT_EQ(pieces, (std::vector<std::string>{"the", "Ġ", "c", "at", "Ġsat"}));
  // Unseen text still encodes (every byte is in the vocabulary) and the special token is one id.
  const std::string unseen = "Ωmega ☃ \x01";
  EXPECT_EQ(tokenizer->decode(tokenizer->encode(unseen)), unseen);
  EXPECT_EQ(tokenizer->encode("<|endoftext|>"), (std::vector<int32_t>{0}));
}

TEST(BpeTrainer, RejectsBadInput) {
  EXPECT_THROW(train_byte_level_bpe({"ok", "bad \xff byte"}, options(10, 2)), Error);
  EXPECT_THROW(train_byte_level_bpe({"ok"}, options(-1, 2)), Error);
  BpeTrainerOptions twice = options(10, 2);
  twice.special_tokens = {"<s>", "<s>"};
  EXPECT_THROW(train_byte_level_bpe({"ok"}, twice), Error);
  EXPECT_THROW(train_byte_level_bpe({"ok"}, options(10, -1)), Error);
  try {
    train_byte_level_bpe({"ok", "bad \xff byte"}, options(10, 2));
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("training text 2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lq
