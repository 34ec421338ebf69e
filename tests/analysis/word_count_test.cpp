// Words by ICU's boundaries: known counts for spaced scripts (punctuation and spaces are not
// words; contractions and decimals stay whole) and dictionary segmentation for scripts written
// without spaces (more than one word, fewer than one per character).
#include <gtest/gtest.h>

#include "analysis/word_count.h"
#include "core/utf8.h"

namespace lq::analysis {

TEST(WordCount, SpacedScriptsCountWordsNotPunctuation) {
  EXPECT_EQ(count_words(""), 0);
  EXPECT_EQ(count_words("  ,.!  "), 0);
  EXPECT_EQ(count_words("Hello, world!"), 2);
  EXPECT_EQ(count_words("It's 3.5 km."), 3);
  EXPECT_EQ(count_words("Nur ein Satz."), 3);
  EXPECT_EQ(count_words("Привет, мир"), 2);
  EXPECT_EQ(count_words("مرحبا بالعالم"), 2);
}

TEST(WordCount, DictionaryScriptsAreSegmented) {
  for (const char* s : {"我爱北京天安门", "日本語の文章です", "สวัสดีครับทุกคน"}) {
    const int64_t words = count_words(s);
    EXPECT_GT(words, 1) << s;
    EXPECT_LT(words, static_cast<int64_t>(utf8_count_chars(s))) << s;
  }
}

}  // namespace lq::analysis
