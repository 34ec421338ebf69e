#include "core/content_hash.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace lq {
namespace {

std::string hash_of(const std::string& s) {
  ContentHash h;
  h.bytes(s.data(), s.size());
  return h.hex();
}

TEST(ContentHashTest, SplitFeedingEqualsOneFeed) {
  const std::string s = "The quick brown fox jumps over the lazy dog, 0123456789 times.";
  for (size_t cut = 0; cut <= s.size(); ++cut)
    for (size_t cut2 = cut; cut2 <= s.size(); cut2 += 7) {
      ContentHash h;
      h.bytes(s.data(), cut);
      h.bytes(s.data() + cut, cut2 - cut);
      h.bytes(s.data() + cut2, s.size() - cut2);
      EXPECT_EQ(h.hex(), hash_of(s)) << cut << " " << cut2;
    }
}

TEST(ContentHashTest, EveryOneBitChangeAndTrailingZeroDiffers) {
  const std::string s(37, 'a');
  std::set<std::string> seen = {hash_of(s), hash_of(s + std::string(1, '\0')), hash_of(""),
                                hash_of(std::string(1, '\0'))};
  EXPECT_EQ(seen.size(), 4u);
  for (size_t i = 0; i < s.size(); ++i)
    for (int b = 0; b < 8; ++b) {
      std::string t = s;
      t[i] = static_cast<char>(t[i] ^ (1 << b));
      EXPECT_TRUE(seen.insert(hash_of(t)).second) << i << " " << b;
    }
  EXPECT_EQ(hash_of(s).size(), 32u);
}

TEST(ContentHashTest, TextIsLengthPrefixed) {
  ContentHash a, b;
  a.text("ab");
  a.text("c");
  b.text("a");
  b.text("bc");
  EXPECT_NE(a.hex(), b.hex());
}

}  // namespace
}  // namespace lq
