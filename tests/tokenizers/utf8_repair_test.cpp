// utf8_replace_invalid lives in core but exists for the tokenizers' invalid-input rule.
#include <gtest/gtest.h>

#include "core/utf8.h"

namespace lq {
namespace {

const std::string kFffd = "\xef\xbf\xbd";

TEST(Utf8ReplaceInvalid, ReplacesMaximalSubpartsLikePython) {
  EXPECT_EQ(utf8_replace_invalid("plain \xc3\xa9"), "plain \xc3\xa9");
  EXPECT_EQ(utf8_replace_invalid("a\xff" "b"), "a" + kFffd + "b");
  EXPECT_EQ(utf8_replace_invalid("\xe2\x82("), kFffd + "(");                 // truncated: one U+FFFD
  EXPECT_EQ(utf8_replace_invalid("\xf0\x9f\x98"), kFffd);                    // truncated at the end
  EXPECT_EQ(utf8_replace_invalid("\xc0\xaf"), kFffd + kFffd);                // overlong lead
  EXPECT_EQ(utf8_replace_invalid("\xe0\x80\xaf"), kFffd + kFffd + kFffd);    // E0 needs A0..BF
  EXPECT_EQ(utf8_replace_invalid("\xed\xa0\x80"), kFffd + kFffd + kFffd);    // surrogate
  EXPECT_EQ(utf8_replace_invalid("\xf4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);
  EXPECT_EQ(utf8_replace_invalid("\xe1\x80\xe1\x80\x80"), kFffd + "\xe1\x80\x80");
}

}  // namespace
}  // namespace lq
