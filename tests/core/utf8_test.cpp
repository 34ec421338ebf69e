#include <gtest/gtest.h>

#include "core/utf8.h"

namespace lq {
namespace {

TEST(Utf8, CountsCodePoints) {
  EXPECT_EQ(utf8_count_chars(""), 0u);
  EXPECT_EQ(utf8_count_chars("abc"), 3u);
  EXPECT_EQ(utf8_count_chars("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d"), 4u);  // Hebrew shalom
  EXPECT_EQ(utf8_count_chars("\xf0\x9f\x98\x80"), 1u);                  // emoji
  EXPECT_EQ(utf8_count_chars("a\xffz"), 3u);                            // invalid byte counts once
}

TEST(Utf8, FindsFirstInvalidByte) {
  EXPECT_EQ(utf8_first_invalid("plain"), std::string_view::npos);
  EXPECT_EQ(utf8_first_invalid("ab\xc3"), 2u);             // truncated sequence
  EXPECT_EQ(utf8_first_invalid("\xc0\xaf"), 0u);           // overlong
  EXPECT_EQ(utf8_first_invalid("x\xed\xa0\x80"), 1u);      // surrogate
  EXPECT_EQ(utf8_first_invalid("\xf4\x90\x80\x80"), 0u);   // above U+10FFFF
}

}  // namespace
}  // namespace lq
