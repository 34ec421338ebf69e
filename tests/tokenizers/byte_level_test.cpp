#include <gtest/gtest.h>

#include <set>

#include "tokenizers/byte_level_alphabet.h"
#include "tokenizers/decoder_byte_level.h"
#include "tokenizers/pre_tokenizer_byte_level.h"

namespace lq::tok {
namespace {

TEST(ByteLevelAlphabet, MatchesGpt2Table) {
  EXPECT_EQ(byte_to_code_point('A'), U'A');
  EXPECT_EQ(byte_to_code_point('!'), U'!');
  EXPECT_EQ(byte_to_code_point(0xe9), U'\u00e9');  // printable Latin-1 maps to itself
  EXPECT_EQ(byte_to_code_point(0x00), U'\u0100');  // the 68 others follow U+0100 in byte order
  EXPECT_EQ(byte_to_code_point(' '), U'\u0120');   // "Ġ"
  EXPECT_EQ(byte_to_code_point('\n'), U'\u010a');  // "Ċ"
  EXPECT_EQ(byte_to_code_point(0x7f), U'\u0121');
  EXPECT_EQ(byte_to_code_point(0xad), U'\u0143');  // soft hyphen is the last one
  EXPECT_EQ(byte_to_utf8(' '), "\xc4\xa0");
}

TEST(ByteLevelAlphabet, IsABijection) {
  std::set<char32_t> seen;
  for (int b = 0; b < 256; ++b) {
    const char32_t cp = byte_to_code_point(static_cast<uint8_t>(b));
    seen.insert(cp);
    ASSERT_EQ(code_point_to_byte(cp), b);
  }
  EXPECT_EQ(seen.size(), 256u);
  EXPECT_FALSE(code_point_to_byte(U'\u0144'));
  EXPECT_FALSE(code_point_to_byte(U' '));  // a raw space is not in the alphabet
}

TEST(ByteLevelAlphabet, RoundTripsBytes) {
  const std::string text = "caf\xc3\xa9 \xf0\x9f\x98\x80\n\x01";
  std::string mapped;
  append_byte_level(text, mapped);
  EXPECT_EQ(bytes_from_byte_level(mapped), text);
  EXPECT_FALSE(bytes_from_byte_level("a b"));  // contains a raw space
}

Pieces pre_tokenize(std::string_view text, bool add_prefix_space = false) {
  ByteLevelPreTokenizer pre_tokenizer(add_prefix_space, /*use_regex=*/true, "test");
  Pieces pieces{std::string(text)};
  pre_tokenizer.pre_tokenize(pieces);
  return pieces;
}

TEST(ByteLevelPreTokenizer, SplitsWithGpt2Regex) {
  EXPECT_EQ(pre_tokenize("Hello world!"), (Pieces{"Hello", "\xc4\xa0world", "!"}));
  EXPECT_EQ(pre_tokenize("I'll've 42x"), (Pieces{"I", "'ll", "'ve", "\xc4\xa0" "42", "x"}));
  // `\s+(?!\S)`: the last space of a run goes to the next word.
  EXPECT_EQ(pre_tokenize("a   b"), (Pieces{"a", "\xc4\xa0\xc4\xa0", "\xc4\xa0" "b"}));
  // Trailing whitespace stays one piece.
  EXPECT_EQ(pre_tokenize("a  "), (Pieces{"a", "\xc4\xa0\xc4\xa0"}));
  EXPECT_EQ(pre_tokenize("x\n\ny"), (Pieces{"x", "\xc4\x8a", "\xc4\x8a", "y"}));
  EXPECT_EQ(pre_tokenize(""), Pieces{});
}

TEST(ByteLevelPreTokenizer, TreatsNextLineAsWhitespace) {
  // U+0085 is White_Space for Oniguruma (tokenizers) but not for PCRE2's own \s: if it were
  // punctuation, " \u0085" would be one piece.
  EXPECT_EQ(pre_tokenize("x \xc2\x85y"), (Pieces{"x", "\xc4\xa0", "\xc3\x82\xc4\xa7", "y"}));
}

TEST(ByteLevelPreTokenizer, AddsPrefixSpaceOnlyWhenMissing) {
  EXPECT_EQ(pre_tokenize("hi", true), (Pieces{"\xc4\xa0hi"}));
  EXPECT_EQ(pre_tokenize(" hi", true), (Pieces{"\xc4\xa0hi"}));
  EXPECT_EQ(pre_tokenize("", true), Pieces{});
}

TEST(ByteLevelDecoder, JoinsBytesAndRepairsUtf8) {
  ByteLevelDecoder decoder;
  std::vector<std::string> tokens{"Hello", "\xc4\xa0world", "<|endoftext|>"};
  decoder.decode_chain(tokens);
  EXPECT_EQ(tokens, std::vector<std::string>{"Hello world<|endoftext|>"});
  // "é" split over two tokens decodes whole; a lone lead byte becomes U+FFFD.
  tokens = {"\xc3\x83", "\xc2\xa9", "\xc3\x83"};
  decoder.decode_chain(tokens);
  EXPECT_EQ(tokens, std::vector<std::string>{"\xc3\xa9\xef\xbf\xbd"});
  EXPECT_EQ(decoder.token_bytes("\xc4\xa0the"), " the");
  EXPECT_EQ(decoder.token_bytes("a b"), "a b");  // outside the alphabet: taken as is
}

}  // namespace
}  // namespace lq::tok
