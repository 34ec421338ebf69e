// WordCache: words whose tokenization is empty (issue 13: lookup copied zero ids from or to a
// null pointer, undefined behaviour UBSan reports) and the empty word.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tokenizers/word_cache.h"

namespace lq::tok {
namespace {

TEST(WordCache, WordWithoutIdsIsCachedAndAppendsNothing) {
  WordCache cache(8);
  cache.insert("\xff", nullptr, 0);  // e.g. a byte no vocabulary entry covers, without unk
  std::vector<int32_t> ids;          // empty: ids.data() is null
  ASSERT_TRUE(cache.lookup("\xff", ids));
  EXPECT_TRUE(ids.empty());
  const int32_t two[] = {7, 9};
  cache.insert("ab", two, 2);
  ASSERT_TRUE(cache.lookup("ab", ids));
  ASSERT_TRUE(cache.lookup("\xff", ids));  // appends nothing after existing ids
  EXPECT_EQ(ids, (std::vector<int32_t>{7, 9}));
  EXPECT_FALSE(cache.lookup("abc", ids));
}

TEST(WordCache, EmptyWordAndZeroCapacity) {
  WordCache cache(4);
  cache.insert("", nullptr, 0);
  std::vector<int32_t> ids;
  EXPECT_TRUE(cache.lookup("", ids));
  EXPECT_TRUE(ids.empty());
  WordCache none(0);  // caches nothing; its arena reserved nothing (data() may be null)
  none.insert("", nullptr, 0);
  EXPECT_FALSE(none.lookup("", ids));
}

}  // namespace
}  // namespace lq::tok
