#include <gtest/gtest.h>

#include "tokenizers/added_tokens.h"

namespace lq::tok {
namespace {

// Renders a split as "text|[id]|text" for compact expectations.
std::string render(const AddedTokens& added, std::string_view text, bool normalized = false) {
  std::vector<Segment> segments;
  added.split(text, normalized, segments);
  std::string out;
  for (const Segment& s : segments) {
    if (!out.empty()) out += '|';
    if (!s.added_token_id) {
      out += s.text;
      continue;
    }
    out.append("[").append(std::to_string(*s.added_token_id)).append(":").append(s.text).append("]");
  }
  return out;
}

AddedToken token(int32_t id, std::string content, bool special = true) {
  AddedToken t;
  t.id = id;
  t.content = std::move(content);
  t.special = special;
  t.normalized = !special;
  return t;
}

TEST(AddedTokens, SplitsOnSpecialTokens) {
  AddedTokens added({token(1, "<|endoftext|>")});
  EXPECT_EQ(render(added, "a<|endoftext|>b"), "a|[1:<|endoftext|>]|b");
  EXPECT_EQ(render(added, "<|endoftext|><|endoftext|>"), "[1:<|endoftext|>]|[1:<|endoftext|>]");
  EXPECT_EQ(render(added, "<|endoftext|"), "<|endoftext|");
  EXPECT_EQ(render(added, ""), "");
}

TEST(AddedTokens, LongestMatchWins) {
  AddedTokens added({token(1, "<a>"), token(2, "<a><b>")});
  EXPECT_EQ(render(added, "x<a><b>y<a>"), "x|[2:<a><b>]|y|[1:<a>]");
}

TEST(AddedTokens, NormalizedTokensMatchOnlyTheNormalizedPass) {
  AddedTokens added({token(1, "<s>"), token(2, "hello", /*special=*/false)});
  EXPECT_EQ(render(added, "<s>hello", /*normalized=*/false), "[1:<s>]|hello");
  EXPECT_EQ(render(added, "<s>hello", /*normalized=*/true), "<s>|[2:hello]");
}

TEST(AddedTokens, StripsWhitespace) {
  AddedToken both = token(1, "<m>");
  both.lstrip = both.rstrip = true;
  AddedTokens added({both});
  EXPECT_EQ(render(added, "a  <m>\t b"), "a|[1:  <m>\t ]|b");
  // Unicode whitespace (U+3000) counts; stripping never reaches into the previous match.
  EXPECT_EQ(render(added, "<m>\xe3\x80\x80<m>"), "[1:<m>\xe3\x80\x80]|[1:<m>]");
}

TEST(AddedTokens, SingleWordNeedsWordBoundaries) {
  AddedToken word = token(1, "ok", /*special=*/false);
  word.single_word = true;
  AddedTokens added({word});
  EXPECT_EQ(render(added, "ok, okay", true), "[1:ok]|, okay");
  EXPECT_EQ(render(added, "b ok", true), "b |[1:ok]");
  EXPECT_EQ(render(added, "\xc3\xa9ok", true), "\xc3\xa9ok");  // é is a word character
}

}  // namespace
}  // namespace lq::tok
