// Correlation: coefficients on vectors worked out by hand, tie ranks, exact permutation
// p-values on tiny samples (all n! orderings enumerable), determinism per seed, undefined and
// bad input, and bootstrap-interval coverage of the true correlation on synthetic data.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "analysis/correlation.h"
#include "core/error.h"

namespace lq::analysis {
namespace {

TEST(Correlation, PearsonOnHandWorkedVectors) {
  // x = 1..5, y = 2,4,5,4,5: cov sum = 6, sxx = 10, syy = 6 -> r = 6 / sqrt(60).
  const auto c = pearson({1, 2, 3, 4, 5}, {2, 4, 5, 4, 5}, {.bootstrap = 0, .permutations = 0});
  EXPECT_EQ(c.method, "pearson");
  EXPECT_EQ(c.n, 5);
  EXPECT_NEAR(c.r, 6 / std::sqrt(60.0), 1e-15);
  EXPECT_TRUE(std::isnan(c.lo) && std::isnan(c.p_value));  // turned off
  EXPECT_DOUBLE_EQ(pearson({1, 2, 3}, {-3, -6, -9}, {.bootstrap = 0, .permutations = 0}).r, -1.0);
}

TEST(Correlation, AverageRanksForTies) {
  EXPECT_EQ(average_ranks({10, 20, 20, 5, 20}), (std::vector<double>{2, 4, 4, 1, 4}));
  EXPECT_EQ(average_ranks({3, 1, 2}), (std::vector<double>{3, 1, 2}));
  EXPECT_EQ(average_ranks({7, 7}), (std::vector<double>{1.5, 1.5}));
}

TEST(Correlation, SpearmanIsPearsonOfRanks) {
  // Monotone but non-linear: Spearman 1, Pearson below 1.
  const std::vector<double> x{1, 2, 3, 4, 5, 6}, y{1, 8, 27, 64, 125, 216};
  EXPECT_DOUBLE_EQ(spearman(x, y, {.bootstrap = 0, .permutations = 0}).r, 1.0);
  EXPECT_LT(pearson(x, y, {.bootstrap = 0, .permutations = 0}).r, 0.99);
  // With ties: ranks x = 1,2.5,2.5,4 ; y = 1,2,3,4 -> r = 4.5 / sqrt(4.5 * 5).
  const auto s = spearman({1, 2, 2, 3}, {1, 2, 3, 4}, {.bootstrap = 0, .permutations = 0});
  EXPECT_NEAR(s.r, 4.5 / std::sqrt(4.5 * 5.0), 1e-15);
}

// Exact two-sided permutation p-value over all n! orderings of y.
double exact_p(const std::vector<double>& x, std::vector<double> y) {
  const double r0 = std::abs(pearson_r(x, y));
  std::sort(y.begin(), y.end());
  int hits = 0, total = 0;
  do {
    ++total;
    if (std::abs(pearson_r(x, y)) >= r0 * (1 - 1e-12)) ++hits;
  } while (std::next_permutation(y.begin(), y.end()));
  return static_cast<double>(hits) / total;
}

TEST(Correlation, PermutationPValueMatchesExactEnumeration) {
  const std::vector<double> x{0.3, 1.2, 2.0, 2.9, 4.4, 5.1, 6.7}, y{1.0, 0.4, 2.2, 1.9, 3.5, 2.8, 4.0};
  const double exact = exact_p(x, y);  // 7! = 5040 orderings
  const int m = 20000;
  const auto c = pearson(x, y, {.bootstrap = 0, .permutations = m, .seed = 7});
  const double se = std::sqrt(exact * (1 - exact) / m);
  EXPECT_NEAR(c.p_value, exact, 4 * se + 1.0 / m);
  // Add-one: never zero, even for a perfect correlation whose exact p is 2/n!.
  const auto perfect = pearson({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4, 6, 8, 10, 12, 14, 16},
                               {.bootstrap = 0, .permutations = 999});
  EXPECT_GE(perfect.p_value, 1.0 / 1000);
  EXPECT_LT(perfect.p_value, 0.01);
}

TEST(Correlation, DeterministicForASeed) {
  std::vector<double> x(30), y(30);
  std::mt19937_64 g(3);
  std::normal_distribution<double> nd;
  for (int i = 0; i < 30; ++i) {
    x[i] = nd(g);
    y[i] = 0.5 * x[i] + nd(g);
  }
  const auto a = spearman(x, y, {.bootstrap = 300, .permutations = 300, .seed = 5});
  const auto b = spearman(x, y, {.bootstrap = 300, .permutations = 300, .seed = 5});
  const auto c = spearman(x, y, {.bootstrap = 300, .permutations = 300, .seed = 6});
  EXPECT_EQ(a.lo, b.lo);
  EXPECT_EQ(a.hi, b.hi);
  EXPECT_EQ(a.p_value, b.p_value);
  EXPECT_NE(a.lo, c.lo);
  EXPECT_EQ(a.r, c.r);
  EXPECT_LE(a.lo, a.r);
  EXPECT_GE(a.hi, a.r);
}

TEST(Correlation, ConstantSeriesIsUndefined) {
  const auto c = pearson({0.1, 0.1, 0.1, 0.1}, {1, 2, 3, 4});
  EXPECT_TRUE(std::isnan(c.r) && std::isnan(c.lo) && std::isnan(c.hi) && std::isnan(c.p_value));
  EXPECT_TRUE(std::isnan(spearman({1, 2, 3}, {5, 5, 5}).r));
}

TEST(Correlation, RejectsBadInput) {
  EXPECT_THROW(pearson({1, 2, 3}, {1, 2}), Error);
  EXPECT_THROW(pearson({1, 2}, {1, 2}), Error);
  EXPECT_THROW(spearman({1, NAN, 3}, {1, 2, 3}), Error);
  EXPECT_THROW(spearman({1, 2, INFINITY}, {1, 2, 3}), Error);
}

// Bivariate normal with correlation rho: the 95% interval should cover rho in about 95% of
// data sets (percentile bootstrap runs a little below nominal at n = 60; binomial slack for
// 60 data sets is about +-6 points).
TEST(Correlation, BootstrapIntervalCoversTheTruth) {
  const double rho = 0.6;
  std::mt19937_64 g(11);
  std::normal_distribution<double> nd;
  int covered = 0;
  const int sets = 60;
  for (int s = 0; s < sets; ++s) {
    std::vector<double> x(60), y(60);
    for (int i = 0; i < 60; ++i) {
      x[i] = nd(g);
      y[i] = rho * x[i] + std::sqrt(1 - rho * rho) * nd(g);
    }
    const auto c = pearson(x, y, {.bootstrap = 500, .permutations = 0, .seed = static_cast<uint64_t>(s)});
    if (c.lo <= rho && rho <= c.hi) ++covered;
    EXPECT_LT(c.hi - c.lo, 0.6);  // informative, not [-1, 1]
  }
  EXPECT_GE(covered, 50);
}

// The "too few" verdict's number is the permutation test's floor: four perfectly ordered pairs
// give Spearman's p at its smallest, 2/4! (the order and its reverse), never below 0.05.
TEST(Correlation, TooFewPairsIsThePermutationFloor) {
  EXPECT_EQ(too_few_pairs(5), "");
  const std::string four = too_few_pairs(4);
  EXPECT_NE(four.find("2/n! = 0.0833"), std::string::npos) << four;
  EXPECT_NE(four.find("1/n! = 0.0417"), std::string::npos) << four;
  CorrelationOptions o;
  o.bootstrap = 0;
  o.permutations = 60000;
  const Correlation c = spearman({1, 2, 3, 4}, {10, 20, 30, 40}, o);
  EXPECT_NEAR(c.p_value, 2.0 / 24, 0.005);
  EXPECT_GT(c.p_value, 0.05);
}

}  // namespace
}  // namespace lq::analysis
