// Unit tests of the WordPiece and Unigram models.
#include <gtest/gtest.h>

#include "core/error.h"
#include "tokenizers/model_unigram.h"
#include "tokenizers/model_wordpiece.h"

namespace lq::tok {
namespace {

WordPieceModel wordpiece(size_t max_chars = 100) {
  WordPieceConfig config;
  config.vocab = {{"[UNK]", 0}, {"un", 1}, {"##aff", 2}, {"##able", 3}, {"a", 4}, {"##a", 5}, {"\u00e9", 6}};
  config.max_input_chars_per_word = max_chars;
  return WordPieceModel(std::move(config), "test");
}

std::vector<int32_t> ids_of(const Model& model, std::string_view word) {
  std::vector<int32_t> ids;
  model.tokenize(word, ids);
  return ids;
}

TEST(WordPiece, GreedyLongestFirst) {
  const WordPieceModel model = wordpiece();
  EXPECT_EQ(ids_of(model, "unaffable"), (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(ids_of(model, "aaa"), (std::vector<int32_t>{4, 5, 5}));
  EXPECT_EQ(ids_of(model, "unx"), (std::vector<int32_t>{0}));  // any unknown part: the whole word is unk
  EXPECT_EQ(ids_of(model, "\u00e9"), (std::vector<int32_t>{6}));
  EXPECT_EQ(ids_of(model, ""), (std::vector<int32_t>{}));
  EXPECT_EQ(ids_of(wordpiece(2), "aaa"), (std::vector<int32_t>{0}));  // longer than max_input_chars_per_word
}

TEST(WordPiece, UnkMustBeInVocab) {
  WordPieceConfig config;
  config.vocab = {{"a", 0}};
  EXPECT_THROW(WordPieceModel(std::move(config), "test"), Error);
}

UnigramModel unigram(bool byte_fallback) {
  UnigramConfig config;
  config.vocab = {{"<unk>", 0}, {"\u2581", -2}, {"a", -3}, {"b", -3}, {"ab", -4}, {"\u2581ab", -5}, {"c", -3}};
  if (byte_fallback) {
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      config.vocab.emplace_back(name, 0.0);
    }
  }
  config.unk_id = 0;
  config.byte_fallback = byte_fallback;
  return UnigramModel(std::move(config), "test");
}

TEST(Unigram, ViterbiPicksBestScore) {
  const UnigramModel model = unigram(false);
  EXPECT_EQ(ids_of(model, "ab"), (std::vector<int32_t>{4}));             // -4 beats a + b = -6
  EXPECT_EQ(ids_of(model, "\u2581ab"), (std::vector<int32_t>{5}));       // -5 beats -2 + -4
  EXPECT_EQ(ids_of(model, "abc"), (std::vector<int32_t>{4, 6}));
  EXPECT_EQ(ids_of(model, "xy\u00e9a"), (std::vector<int32_t>{0, 2}));   // unknowns fuse into one unk
}

TEST(Unigram, ByteFallback) {
  const UnigramModel model = unigram(true);
  // "x" is 0x78; "é" is C3 A9; the fused unknown run becomes its bytes.
  const int32_t base = 7;
  EXPECT_EQ(ids_of(model, "x\u00e9a"), (std::vector<int32_t>{base + 0x78, base + 0xc3, base + 0xa9, 2}));
}

}  // namespace
}  // namespace lq::tok
