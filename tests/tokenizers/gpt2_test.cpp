// Spot checks against GPT-2's real tokenizer.json; the exhaustive comparison with Hugging Face
// tokenizers is tests/oracle/test_tokenizer.py.
#include <gtest/gtest.h>

#include "tokenizers/tokenizer.h"

namespace lq {
namespace {

const Tokenizer& gpt2() {
  static const auto tokenizer = load_tokenizer(std::string(LQ_SHARED_DIR) + "/tokenizers/gpt2/tokenizer.json");
  return *tokenizer;
}

TEST(Gpt2, KnownIds) {
  EXPECT_EQ(gpt2().encode("Hello world"), (std::vector<int32_t>{15496, 995}));
  EXPECT_EQ(gpt2().encode("<|endoftext|>"), (std::vector<int32_t>{50256}));
  EXPECT_EQ(gpt2().encode(""), std::vector<int32_t>{});
  EXPECT_EQ(gpt2().vocab_size(), 50257u);
  EXPECT_EQ(gpt2().token_text(995), "\xc4\xa0world");
  EXPECT_EQ(gpt2().token_bytes(995), " world");
}

TEST(Gpt2, DecodesBackToTheText) {
  const std::string text = "Ça va? 東京 \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb  x<|endoftext|>y\n";
  EXPECT_EQ(gpt2().decode(gpt2().encode(text)), text);
}

TEST(Gpt2, RepairsInvalidUtf8First) {
  // "\xff" and a truncated "\xe2\x82" each become one U+FFFD.
  EXPECT_EQ(gpt2().encode("a\xff" "b\xe2\x82"), gpt2().encode("a\xef\xbf\xbd" "b\xef\xbf\xbd"));
}

}  // namespace
}  // namespace lq
