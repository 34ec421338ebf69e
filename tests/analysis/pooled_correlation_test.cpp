// analysis/pooled_correlation.h: one group is plain Pearson/Spearman; groups that differ only by
// an offset do not create a correlation; resampling and shuffling stay inside groups.
#include "analysis/pooled_correlation.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"

namespace lq::analysis {
namespace {

const std::vector<double> kX = {1, 2, 3, 4, 5, 6, 7}, kY = {2.5, 1.0, 4.0, 3.5, 6.0, 5.0, 9.0};

TEST(PooledCorrelation, OneGroupIsPlainCorrelation) {
  CorrelationOptions o;
  o.bootstrap = 300;
  o.permutations = 300;
  const std::vector<int> one(kX.size(), 7);
  const Correlation p = pooled_correlation("pearson", kX, kY, one, o);
  EXPECT_DOUBLE_EQ(p.r, pearson(kX, kY, o).r);
  EXPECT_DOUBLE_EQ(pooled_correlation("spearman", kX, kY, one, o).r, spearman(kX, kY, o).r);
  EXPECT_EQ(p.n, 7);
  EXPECT_LE(p.lo, p.r);
  EXPECT_GE(p.hi, p.r);
}

TEST(PooledCorrelation, AnOffsetBetweenGroupsIsNotACorrelation) {
  // Within each group y falls as x rises (r = -1); the second group is shifted up in both, so
  // the raw pooled pairs correlate positively.
  const std::vector<double> x = {1, 2, 3, 11, 12, 13}, y = {3, 2, 1, 13, 12, 11};
  const std::vector<int> g = {0, 0, 0, 1, 1, 1};
  EXPECT_GT(pearson(x, y).r, 0.9);
  CorrelationOptions o;
  o.bootstrap = 0;
  o.permutations = 0;
  EXPECT_DOUBLE_EQ(pooled_correlation("pearson", x, y, g, o).r, -1);
  EXPECT_DOUBLE_EQ(pooled_correlation("spearman", x, y, g, o).r, -1);
}

TEST(PooledCorrelation, PermutationsStayInsideGroups) {
  // Two groups of 3, y = x within each: of the 6 x 6 within-group shuffles, only the one that
  // keeps both groups' order and the one that reverses both reach |r| = 1 (p = 2/36 exactly in
  // the limit). A test that shuffled across groups would find |r| = 1 far more rarely.
  const std::vector<double> x = {1, 2, 3, 1, 2, 3}, y = {1, 2, 3, 1, 2, 3};
  const std::vector<int> g = {0, 0, 0, 1, 1, 1};
  CorrelationOptions o;
  o.bootstrap = 0;
  o.permutations = 40000;
  const Correlation c = pooled_correlation("pearson", x, y, g, o);
  EXPECT_DOUBLE_EQ(c.r, 1);
  EXPECT_NEAR(c.p_value, 2.0 / 36, 0.006);
}

TEST(PooledCorrelation, RefusesAGroupOfOnePair) {
  EXPECT_THROW(pooled_correlation("pearson", {1, 2, 3, 4}, {1, 3, 2, 4}, {0, 0, 0, 1}), Error);
  EXPECT_THROW(pooled_correlation("kendall", {1, 2, 3}, {1, 3, 2}, {0, 0, 0}), Error);
  const Correlation flat = pooled_correlation("pearson", {1, 1, 2, 2}, {1, 2, 3, 4}, {0, 0, 1, 1});
  EXPECT_TRUE(std::isnan(flat.r));  // x never varies inside a group
}

}  // namespace
}  // namespace lq::analysis
