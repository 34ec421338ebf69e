// Moments and top-k sums on fixed vectors: values worked out by hand, pooling two halves
// equals computing on the whole, and the streaming radix selection equals sorting.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>
#include <vector>

#include "analysis/moments.h"
#include "analysis/top_share.h"

namespace lq::analysis {
namespace {

TEST(Moments, HandWorkedValues) {
  // 1, 2, 3, 4, 10: mean 4, deviations -3 -2 -1 0 6 -> M2 = 50, M3 = 180, M4 = 1394.
  const std::vector<float> x{1, 2, 3, 4, 10};
  const Moments m = Moments::of(x.data(), 5);
  EXPECT_DOUBLE_EQ(m.mean, 4);
  EXPECT_DOUBLE_EQ(m.variance(), 10);
  EXPECT_NEAR(m.skewness(), 36 / std::pow(10.0, 1.5), 1e-14);
  EXPECT_NEAR(m.excess_kurtosis(), 278.8 / 100 - 3, 1e-14);
}

TEST(Moments, ConstantValuesHaveNoShape) {
  const std::vector<float> ones(7, 1.0f), tenths(7, 0.1f);
  EXPECT_TRUE(std::isnan(Moments::of(ones.data(), 7).skewness()));
  EXPECT_TRUE(std::isnan(Moments::of(tenths.data(), 7).excess_kurtosis()));
  EXPECT_EQ(Moments::of(ones.data(), 7).variance(), 0);
}

TEST(Moments, PoolingEqualsTheWhole) {
  std::mt19937 g(2);
  std::student_t_distribution<float> t(3.0f);
  std::vector<float> x(1001);
  for (float& v : x) v = t(g) * 0.1f + 0.3f;
  for (size_t cut : {size_t{1}, size_t{100}, size_t{500}, size_t{1000}}) {
    Moments a = Moments::of(x.data(), static_cast<int64_t>(cut));
    a.merge(Moments::of(x.data() + cut, static_cast<int64_t>(x.size() - cut)));
    const Moments w = Moments::of(x.data(), static_cast<int64_t>(x.size()));
    EXPECT_EQ(a.n, w.n);
    EXPECT_NEAR(a.mean, w.mean, 1e-15);
    EXPECT_NEAR(a.variance(), w.variance(), 1e-14 * w.variance());
    EXPECT_NEAR(a.skewness(), w.skewness(), 1e-12);
    EXPECT_NEAR(a.excess_kurtosis(), w.excess_kurtosis(), 1e-11);
  }
}

TEST(TopShare, CountsAreCeilings) {
  EXPECT_EQ(top_count(1, 10000), 1);
  EXPECT_EQ(top_count(10000, 10000), 1);
  EXPECT_EQ(top_count(10001, 10000), 2);
  EXPECT_EQ(top_count(100, 100), 1);
  EXPECT_EQ(top_count(25, 10), 3);
}

// Reference: sort descending and add the first K.
std::array<double, 3> sorted_sums(std::vector<float> a) {
  std::sort(a.begin(), a.end(), std::greater<float>());
  std::array<double, 3> out{};
  for (int i = 0; i < 3; ++i) {
    const int64_t k = top_count(static_cast<int64_t>(a.size()), kTopDenominators[i]);
    out[i] = std::accumulate(a.begin(), a.begin() + k, 0.0);
  }
  return out;
}

TEST(TopShare, InPlaceAndStreamingEqualSorting) {
  std::mt19937 g(4);
  std::normal_distribution<float> nd;
  for (int trial = 0; trial < 20; ++trial) {
    const size_t n = 1 + g() % 30000;
    std::vector<float> a(n);
    for (float& v : a) v = std::abs(nd(g)) * (trial % 3 == 0 ? 1.0f : 0.02f);
    if (trial % 4 == 1)  // heavy ties: only a handful of distinct values
      for (float& v : a) v = std::round(v * 100) / 100;
    const auto want = sorted_sums(a);
    std::vector<float> copy = a;
    const auto got = top_sums(copy);
    // The streaming path sees signed values split across two "tensors".
    StreamingTopSums st;
    std::vector<float> signed_a = a;
    for (size_t i = 0; i < n; i += 2) signed_a[i] = -signed_a[i];
    const size_t cut = n / 3;
    st.add_pass1(signed_a.data(), static_cast<int64_t>(cut));
    st.add_pass1(signed_a.data() + cut, static_cast<int64_t>(n - cut));
    st.finish_pass1();
    st.add_pass2(signed_a.data(), static_cast<int64_t>(cut));
    st.add_pass2(signed_a.data() + cut, static_cast<int64_t>(n - cut));
    const auto streamed = st.finish();
    for (int i = 0; i < 3; ++i) {
      EXPECT_NEAR(got[i], want[i], 1e-12 * want[i]) << trial;
      EXPECT_NEAR(streamed[i], want[i], 1e-12 * want[i]) << trial;
    }
  }
}

}  // namespace
}  // namespace lq::analysis
