// Unit tests of the normalizers; expected strings are what tokenizers 0.20.3 gives.
#include <gtest/gtest.h>

#include "tokenizers/normalizer_bert.h"
#include "tokenizers/normalizer_text.h"
#include "tokenizers/normalizer_unicode.h"
#include "tokenizers/sequence.h"

namespace lq::tok {
namespace {

std::string run(const Normalizer& n, std::string text) {
  n.normalize(text);
  return text;
}

TEST(Normalizers, UnicodeForms) {
  EXPECT_EQ(run(UnicodeNormalizer(NormalForm::kNFC), "e\u0301"), "\u00e9");
  EXPECT_EQ(run(UnicodeNormalizer(NormalForm::kNFD), "\u00e9"), "e\u0301");
  EXPECT_EQ(run(UnicodeNormalizer(NormalForm::kNFKC), "\ufb01 \u2460 \uff21"), "fi 1 A");
  EXPECT_EQ(run(UnicodeNormalizer(NormalForm::kNFKD), "\u00bd"), "1\u20442");
  // Characters added after Unicode 9.0 are left alone, as tokenizers' tables do.
  EXPECT_EQ(run(UnicodeNormalizer(NormalForm::kNFKC), "\U0001E030"), "\U0001E030");
  EXPECT_EQ(run(UnicodeNormalizer(NormalForm::kNFC), "plain ascii"), "plain ascii");
}

TEST(Normalizers, Lowercase) {
  LowercaseNormalizer n;
  EXPECT_EQ(run(n, "HeLLo"), "hello");
  EXPECT_EQ(run(n, "\u0130"), "i\u0307");                 // full mapping, two code points
  EXPECT_EQ(run(n, "\u039f\u03a3"), "\u03bf\u03c3");      // no final-sigma context
  EXPECT_EQ(run(n, "\u00c9COLE"), "\u00e9cole");
}

TEST(Normalizers, StripAndAccents) {
  EXPECT_EQ(run(StripNormalizer(true, true), " \t a b \u3000"), "a b");
  EXPECT_EQ(run(StripNormalizer(false, true), "  a  "), "  a");
  EXPECT_EQ(run(StripNormalizer(true, false), "  a  "), "a  ");
  EXPECT_EQ(run(StripNormalizer(true, true), "   "), "");
  EXPECT_EQ(run(StripAccentsNormalizer(), "e\u0301a\u0308\u0304"), "ea");
}

TEST(Normalizers, PrependReplaceSequence) {
  EXPECT_EQ(run(PrependNormalizer("\u2581"), "hi"), "\u2581hi");
  EXPECT_EQ(run(PrependNormalizer("\u2581"), ""), "");
  EXPECT_EQ(run(ReplaceNormalizer(ReplacePattern::literal(" ", "\u2581")), " a b "), "\u2581a\u2581b\u2581");
  EXPECT_EQ(run(ReplaceNormalizer(ReplacePattern::regex(" {2,}", " ", "test")), "a  b     c d"), "a b c d");
  std::vector<std::unique_ptr<Normalizer>> parts;
  parts.push_back(std::make_unique<PrependNormalizer>("\u2581"));
  parts.push_back(std::make_unique<ReplaceNormalizer>(ReplacePattern::literal(" ", "\u2581")));
  EXPECT_EQ(run(NormalizerSequence(std::move(parts)), "Hello world"), "\u2581Hello\u2581world");
}

TEST(Normalizers, Bert) {
  BertNormalizer cased(true, true, false, false);
  // Controls go, whitespace (tab, newline, U+3000) becomes a space, CJK ideographs are padded.
  EXPECT_EQ(run(cased, "a\x01\tb\u3000c\u4e16\u754c\ufffd\u200b"), "a b c \u4e16  \u754c ");
  EXPECT_EQ(run(cased, "\u00c9cole"), "\u00c9cole");
  BertNormalizer uncased(true, true, true, true);
  EXPECT_EQ(run(uncased, "\u00c9cole \u0130"), "ecole i");
}

}  // namespace
}  // namespace lq::tok
