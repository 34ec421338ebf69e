// Percentile bootstrap: determinism for a fixed seed, pairing across statistics, interval
// width ~ 1/sqrt(n), and coverage of the true mean on synthetic data.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "eval/bootstrap.h"

namespace lq {
namespace {

// The resampled mean of xs under counts.
double weighted_mean(const std::vector<double>& xs, const ResampleCounts& c) {
  double s = 0, n = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    s += c[i] * xs[i];
    n += c[i];
  }
  return s / n;
}

Estimate mean_ci(const std::vector<double>& xs, const BootstrapOptions& opt) {
  return bootstrap(xs.size(), opt, [&](const ResampleCounts& c) { return weighted_mean(xs, c); });
}

std::vector<double> normal_data(size_t n, uint64_t seed, double mu = 3.0, double sigma = 2.0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> nd(mu, sigma);
  std::vector<double> xs(n);
  for (auto& x : xs) x = nd(rng);
  return xs;
}

TEST(Bootstrap, DeterministicForFixedSeed) {
  const auto xs = normal_data(100, 1);
  BootstrapOptions opt;
  opt.replicates = 500;
  const Estimate a = mean_ci(xs, opt), b = mean_ci(xs, opt);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.lo, b.lo);
  EXPECT_EQ(a.hi, b.hi);
  opt.seed += 1;
  const Estimate c = mean_ci(xs, opt);
  EXPECT_EQ(c.value, a.value);
  EXPECT_TRUE(c.lo != a.lo || c.hi != a.hi);
}

TEST(Bootstrap, SameResamplesForEveryStatistic) {
  // Replicate r draws the same counts for any statistic (what makes differences paired).
  BootstrapOptions opt;
  opt.replicates = 50;
  std::vector<ResampleCounts> first, second;
  bootstrap(37, opt, [&](const ResampleCounts& c) {
    first.push_back(c);
    return 0.0;
  });
  bootstrap(37, opt, [&](const ResampleCounts& c) {
    second.push_back(c);
    return 1.0;
  });
  ASSERT_EQ(first.size(), 51u);  // point estimate + 50 replicates
  EXPECT_EQ(first, second);
  EXPECT_EQ(first[0], ResampleCounts(37, 1));
  for (size_t r = 1; r < first.size(); ++r) {
    uint64_t total = 0;
    for (uint32_t k : first[r]) total += k;
    EXPECT_EQ(total, 37u);
  }
}

TEST(Bootstrap, IntervalContainsPointEstimateOfMean) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const auto xs = normal_data(60, seed);
    BootstrapOptions opt;
    opt.replicates = 400;
    const Estimate e = mean_ci(xs, opt);
    double mean = 0;
    for (double x : xs) mean += x;
    mean /= double(xs.size());
    EXPECT_NEAR(e.value, mean, 1e-12);
    EXPECT_LT(e.lo, e.value);
    EXPECT_GT(e.hi, e.value);
  }
}

TEST(Bootstrap, WidthShrinksLikeInverseSqrtN) {
  BootstrapOptions opt;
  opt.replicates = 2000;
  // Both datasets from the same fixed distribution (exponential, skewed).
  std::mt19937_64 rng(42);
  std::exponential_distribution<double> ex(0.5);
  std::vector<double> big(400);
  for (auto& x : big) x = ex(rng);
  const std::vector<double> small(big.begin(), big.begin() + 100);
  const Estimate es = mean_ci(small, opt), eb = mean_ci(big, opt);
  const double ratio = (eb.hi - eb.lo) / (es.hi - es.lo);
  EXPECT_GT(ratio, 0.35) << ratio;
  EXPECT_LT(ratio, 0.65) << ratio;
}

TEST(Bootstrap, HigherConfidenceIsWider) {
  const auto xs = normal_data(80, 9);
  BootstrapOptions opt;
  opt.replicates = 1000;
  const Estimate e95 = mean_ci(xs, opt);
  opt.confidence = 0.5;
  const Estimate e50 = mean_ci(xs, opt);
  EXPECT_LT(e50.hi - e50.lo, e95.hi - e95.lo);
  EXPECT_GT(e50.lo, e95.lo);
  EXPECT_LT(e50.hi, e95.hi);
}

TEST(Bootstrap, CoverageOfTrueMeanNear95Percent) {
  // 200 synthetic datasets of 50 normal values, 200 replicates each.
  const double mu = 3.0;
  BootstrapOptions opt;
  opt.replicates = 200;
  int covered = 0;
  const int datasets = 200;
  for (int d = 0; d < datasets; ++d) {
    const auto xs = normal_data(50, 1000 + static_cast<uint64_t>(d), mu);
    opt.seed = 7 + static_cast<uint64_t>(d);
    const Estimate e = mean_ci(xs, opt);
    covered += (e.lo <= mu && mu <= e.hi);
  }
  const double coverage = double(covered) / datasets;
  EXPECT_GE(coverage, 0.88);
  EXPECT_LE(coverage, 0.99);
}

TEST(Bootstrap, DegenerateCases) {
  BootstrapOptions opt;
  opt.replicates = 0;
  const Estimate e = bootstrap(5, opt, [](const ResampleCounts& c) { return double(c.size()); });
  EXPECT_EQ(e.value, 5.0);
  EXPECT_EQ(e.lo, 5.0);
  EXPECT_EQ(e.hi, 5.0);
  opt.replicates = 100;
  int calls = 0;
  const Estimate z = bootstrap(0, opt, [&](const ResampleCounts&) {
    ++calls;
    return 1.5;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(z.lo, 1.5);
  EXPECT_EQ(z.hi, 1.5);
  // One unit: every replicate equals the point estimate.
  const Estimate one = bootstrap(1, opt, [](const ResampleCounts& c) { return 2.0 * c[0]; });
  EXPECT_EQ(one.value, 2.0);
  EXPECT_EQ(one.lo, 2.0);
  EXPECT_EQ(one.hi, 2.0);
}

TEST(Bootstrap, NonFiniteReplicatesAreSkipped) {
  // A ratio statistic whose denominator is zero in some replicates (unit 0 is the only one
  // with tokens): those replicates are dropped, not turned into NaN intervals.
  const std::vector<double> nll = {2.0, 1.0, 1.0}, tok = {1.0, 0.0, 0.0};
  BootstrapOptions opt;
  opt.replicates = 300;
  const Estimate e = bootstrap(3, opt, [&](const ResampleCounts& c) {
    double a = 0, b = 0;
    for (size_t i = 0; i < 3; ++i) {
      a += c[i] * nll[i];
      b += c[i] * tok[i];
    }
    return a / b;
  });
  EXPECT_EQ(e.value, 4.0);
  EXPECT_TRUE(std::isfinite(e.lo));
  EXPECT_TRUE(std::isfinite(e.hi));
  EXPECT_LE(e.lo, e.hi);
  // All replicates non-finite: NaN interval, point estimate kept.
  int calls = 0;
  const Estimate n = bootstrap(3, opt, [&](const ResampleCounts&) { return calls++ == 0 ? 1.0 : NAN; });
  EXPECT_EQ(n.value, 1.0);
  EXPECT_TRUE(std::isnan(n.lo));
  EXPECT_TRUE(std::isnan(n.hi));
}

}  // namespace
}  // namespace lq
