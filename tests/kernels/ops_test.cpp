// Norms, activations and log_sum_exp against double-precision formulas written here, known
// values, and thread-count independence.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/ops.h"

namespace lq {
namespace {

std::vector<float> random_vec(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

// Runs f with 1 and then 2 OpenMP threads, restoring the previous setting.
template <class F>
void with_threads(int n, F&& f) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(n);
  f();
  omp_set_num_threads(before);
}

// ---- layer_norm / rms_norm --------------------------------------------------------------

std::vector<double> layer_norm_ref(const std::vector<float>& x, int64_t M, int64_t D,
                                   const std::vector<float>& g, const float* b, double eps) {
  std::vector<double> out(x.size());
  for (int64_t m = 0; m < M; ++m) {
    double mean = 0, var = 0;
    for (int64_t d = 0; d < D; ++d) mean += x[m * D + d];
    mean /= D;
    for (int64_t d = 0; d < D; ++d) var += (x[m * D + d] - mean) * (x[m * D + d] - mean);
    var /= D;  // biased, like PyTorch
    for (int64_t d = 0; d < D; ++d)
      out[m * D + d] = (x[m * D + d] - mean) / std::sqrt(var + eps) * g[d] + (b ? b[d] : 0.0);
  }
  return out;
}

TEST(LayerNorm, MatchesDoubleFormula) {
  for (int64_t D : {1, 7, 64, 333}) {
    const int64_t M = 5;
    auto x = random_vec(static_cast<size_t>(M * D), 1 + D, -3.0f, 3.0f);
    // Row 1: large common offset (a naive one-pass variance would lose it).
    for (int64_t d = 0; d < D; ++d) x[1 * D + d] += 100.0f;
    const auto g = random_vec(static_cast<size_t>(D), 2 + D, 0.5f, 1.5f);
    const auto b = random_vec(static_cast<size_t>(D), 3 + D);
    for (const float* beta : {static_cast<const float*>(nullptr), b.data()}) {
      std::vector<float> out(x.size());
      layer_norm(x.data(), M, D, g.data(), beta, 1e-5f, out.data());
      const auto ref = layer_norm_ref(x, M, D, g, beta, 1e-5);
      for (size_t i = 0; i < out.size(); ++i)
        EXPECT_NEAR(out[i], ref[i], 2e-5 * (1 + std::fabs(ref[i]))) << "D=" << D << " i=" << i;
    }
  }
}

TEST(LayerNorm, ConstantRowGivesBeta) {
  const int64_t D = 10;
  std::vector<float> x(D, 3.25f), g(D, 2.0f), b(D), out(D);
  for (int64_t d = 0; d < D; ++d) b[d] = 0.1f * d;
  layer_norm(x.data(), 1, D, g.data(), b.data(), 1e-5f, out.data());
  for (int64_t d = 0; d < D; ++d) EXPECT_FLOAT_EQ(out[d], b[d]);
}

TEST(RmsNorm, MatchesDoubleFormula) {
  for (int64_t D : {1, 9, 128, 515}) {
    const int64_t M = 4;
    const auto x = random_vec(static_cast<size_t>(M * D), 10 + D, -5.0f, 5.0f);
    const auto g = random_vec(static_cast<size_t>(D), 20 + D, -2.0f, 2.0f);
    std::vector<float> out(x.size());
    const double eps = 1e-6;
    rms_norm(x.data(), M, D, g.data(), static_cast<float>(eps), out.data());
    for (int64_t m = 0; m < M; ++m) {
      double ss = 0;
      for (int64_t d = 0; d < D; ++d) ss += double(x[m * D + d]) * x[m * D + d];
      const double inv = 1.0 / std::sqrt(ss / D + eps);
      for (int64_t d = 0; d < D; ++d) {
        const double ref = g[d] * x[m * D + d] * inv;
        EXPECT_NEAR(out[m * D + d], ref, 2e-6 * (1 + std::fabs(ref))) << "D=" << D;
      }
    }
  }
}

TEST(Norms, EpsilonMattersForTinyRows) {
  // A zero row: rms_norm gives 0, layer_norm gives beta; eps keeps both finite.
  std::vector<float> x(4, 0.0f), g(4, 1.0f), b(4, 0.5f), out(4);
  rms_norm(x.data(), 1, 4, g.data(), 1e-5f, out.data());
  for (float v : out) EXPECT_EQ(v, 0.0f);
  layer_norm(x.data(), 1, 4, g.data(), b.data(), 1e-5f, out.data());
  for (float v : out) EXPECT_EQ(v, 0.5f);
}

// ---- activations ------------------------------------------------------------------------

float gelu_tanh1(float v) {
  gelu_tanh_inplace(&v, 1);
  return v;
}
float gelu_erf1(float v) {
  gelu_erf_inplace(&v, 1);
  return v;
}

TEST(Gelu, KnownValues) {
  EXPECT_NEAR(gelu_tanh1(1.0f), 0.8411919906, 1e-6);
  EXPECT_NEAR(gelu_erf1(1.0f), 0.8413447461, 1e-6);
  EXPECT_NEAR(gelu_tanh1(-1.0f), -0.1588080094, 1e-6);
  EXPECT_NEAR(gelu_erf1(-1.0f), -0.1586552539, 1e-6);
  EXPECT_EQ(gelu_tanh1(0.0f), 0.0f);
  EXPECT_EQ(gelu_erf1(0.0f), 0.0f);
  EXPECT_NEAR(gelu_tanh1(10.0f), 10.0f, 1e-6);
  EXPECT_NEAR(gelu_erf1(10.0f), 10.0f, 1e-6);
  EXPECT_NEAR(gelu_tanh1(-10.0f), 0.0f, 1e-6);
  EXPECT_NEAR(gelu_erf1(-10.0f), 0.0f, 1e-6);
  // Very large magnitudes stay finite (x^3 overflows to inf inside tanh's argument).
  EXPECT_EQ(gelu_tanh1(1e20f), 1e20f);
  EXPECT_EQ(gelu_tanh1(-1e20f), 0.0f);
  EXPECT_EQ(gelu_erf1(1e20f), 1e20f);
  EXPECT_EQ(gelu_erf1(-1e20f), 0.0f);
}

TEST(Gelu, MatchesDoubleFormulaOnAGrid) {
  // 1003 values: not a multiple of any vector width, so the scalar tail runs too.
  std::vector<float> x(1003);
  for (size_t i = 0; i < x.size(); ++i) x[i] = -8.0f + 16.0f * static_cast<float>(i) / 1002.0f;
  auto t = x, e = x;
  gelu_tanh_inplace(t.data(), static_cast<int64_t>(t.size()));
  gelu_erf_inplace(e.data(), static_cast<int64_t>(e.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    const double rt = 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
    const double re = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
    EXPECT_NEAR(t[i], rt, 1e-6 * (1 + std::fabs(rt))) << v;
    EXPECT_NEAR(e[i], re, 1e-6 * (1 + std::fabs(re))) << v;
  }
}

TEST(Silu, SwiGluAndBloomGeluMatchDoubleFormulas) {
  std::vector<float> x(1003);
  for (size_t i = 0; i < x.size(); ++i) x[i] = -12.0f + 24.0f * static_cast<float>(i) / 1002.0f;
  std::vector<float> up(x.size());
  for (size_t i = 0; i < up.size(); ++i) up[i] = 0.5f - static_cast<float>(i % 7) * 0.25f;
  auto s = x, g = x, b = x;
  silu_inplace(s.data(), static_cast<int64_t>(s.size()));
  silu_mul_inplace(g.data(), up.data(), static_cast<int64_t>(g.size()));
  gelu_bloom_inplace(b.data(), static_cast<int64_t>(b.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    const double rs = v / (1 + std::exp(-v));
    // transformers' bloom_gelu_forward, with its rounded constants
    const double rb = v * 0.5 * (1 + std::tanh(0.79788456 * v * (1 + 0.044715 * v * v)));
    EXPECT_NEAR(s[i], rs, 1e-6 * (1 + std::fabs(rs))) << v;
    EXPECT_NEAR(g[i], rs * up[i], 1e-6 * (1 + std::fabs(rs * up[i]))) << v;
    EXPECT_NEAR(b[i], rb, 1e-6 * (1 + std::fabs(rb))) << v;
  }
  std::vector<float> big = {1e20f, -1e20f, 0.0f};
  silu_inplace(big.data(), 3);
  EXPECT_EQ(big[0], 1e20f);
  EXPECT_EQ(big[1], 0.0f);
  EXPECT_EQ(big[2], 0.0f);
}

TEST(Relu, AndAdd) {
  std::vector<float> x = {-2.0f, -0.0f, 0.0f, 1.5f, -1e-30f, 3.0f, 7.0f};
  relu_inplace(x.data(), static_cast<int64_t>(x.size()));
  const std::vector<float> want = {0.0f, 0.0f, 0.0f, 1.5f, 0.0f, 3.0f, 7.0f};
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i], want[i]) << i;
  std::vector<float> y = {1, 2, 3, 4, 5, 6, 7};
  add_inplace(x.data(), y.data(), static_cast<int64_t>(x.size()));
  const std::vector<float> sum = {1, 2, 3, 5.5f, 5, 9, 14};
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i], sum[i]) << i;
}

// ---- log_sum_exp ------------------------------------------------------------------------

double lse_naive(const std::vector<float>& v) {
  double mx = -INFINITY;
  for (float f : v) mx = std::max(mx, double(f));
  double s = 0;
  for (float f : v) s += std::exp(double(f) - mx);
  return mx + std::log(s);
}

double lse(const std::vector<float>& v) { return log_sum_exp(v.data(), static_cast<int64_t>(v.size())); }

TEST(LogSumExp, MatchesNaiveDouble) {
  for (size_t n : {1u, 2u, 7u, 1023u, 1024u, 1025u, 5000u, 50257u, 151936u}) {
    const auto v = random_vec(n, static_cast<uint32_t>(n), -30.0f, 30.0f);
    const double ref = lse_naive(v);
    EXPECT_NEAR(lse(v), ref, 2e-6 * std::max(1.0, std::fabs(ref))) << "n=" << n;
  }
}

TEST(LogSumExp, ManyEqualValues) {
  for (float c : {0.0f, -7.5f, 42.0f}) {
    const std::vector<float> v(100000, c);
    EXPECT_NEAR(lse(v), c + std::log(100000.0), 2e-6 * std::max(1.0f, std::fabs(c)));
  }
}

TEST(LogSumExp, HugeAndVeryNegativeInputs) {
  // exp of these overflows or underflows in float (and some in double) without the max shift.
  EXPECT_NEAR(lse({1000.0f, 1000.0f}), 1000.0 + std::log(2.0), 1e-9 * 1000);
  EXPECT_NEAR(lse({88.0f, 89.0f, 100.0f}), lse_naive({88.0f, 89.0f, 100.0f}), 1e-6 * 100);
  EXPECT_DOUBLE_EQ(lse({1e30f, 1e30f}), double(1e30f));  // log 2 is below double's resolution
  EXPECT_DOUBLE_EQ(lse({3e38f, -3e38f}), double(3e38f));
  EXPECT_NEAR(lse({-1000.0f, -1000.5f, -2000.0f}),
              -1000.0 + std::log(1.0 + std::exp(-0.5)), 1e-6 * 1000);
  EXPECT_NEAR(lse({-1e30f, -1e30f}), double(-1e30f), 1e-6 * 1e30);
  EXPECT_NEAR(lse({-1e30f, 0.0f}), 0.0, 1e-7);
  // -inf entries (masked logits) contribute nothing.
  const float ninf = -std::numeric_limits<float>::infinity();
  EXPECT_NEAR(lse({ninf, 0.0f, ninf}), 0.0, 1e-7);
  EXPECT_NEAR(lse({ninf, 2.0f, 2.0f}), 2.0 + std::log(2.0), 1e-6);
  // Mixed: one huge value dominates a long tail of very negative ones.
  std::vector<float> v(3000, -500.0f);
  v[1777] = 50.0f;
  EXPECT_NEAR(lse(v), 50.0, 1e-6 * 50);
}

// ---- thread-count independence ----------------------------------------------------------

TEST(Ops, IdenticalWithOneAndTwoThreads) {
  const int64_t M = 37, D = 131;
  const auto x = random_vec(static_cast<size_t>(M * D), 77, -4.0f, 4.0f);
  const auto g = random_vec(static_cast<size_t>(D), 78);
  const auto b = random_vec(static_cast<size_t>(D), 79);
  std::vector<float> ln[2], rms[2], gt[2], ge[2], si[2], sm[2], gb[2];
  for (int t = 0; t < 2; ++t)
    with_threads(t + 1, [&] {
      ln[t].resize(x.size());
      rms[t].resize(x.size());
      layer_norm(x.data(), M, D, g.data(), b.data(), 1e-5f, ln[t].data());
      rms_norm(x.data(), M, D, g.data(), 1e-5f, rms[t].data());
      gt[t] = x;
      ge[t] = x;
      gelu_tanh_inplace(gt[t].data(), M * D);
      gelu_erf_inplace(ge[t].data(), M * D);
      si[t] = sm[t] = gb[t] = x;
      silu_inplace(si[t].data(), M * D);
      silu_mul_inplace(sm[t].data(), x.data(), M * D);
      gelu_bloom_inplace(gb[t].data(), M * D);
    });
  const size_t bytes = x.size() * sizeof(float);
  EXPECT_EQ(0, std::memcmp(ln[0].data(), ln[1].data(), bytes));
  EXPECT_EQ(0, std::memcmp(rms[0].data(), rms[1].data(), bytes));
  EXPECT_EQ(0, std::memcmp(gt[0].data(), gt[1].data(), bytes));
  EXPECT_EQ(0, std::memcmp(ge[0].data(), ge[1].data(), bytes));
  EXPECT_EQ(0, std::memcmp(si[0].data(), si[1].data(), bytes));
  EXPECT_EQ(0, std::memcmp(sm[0].data(), sm[1].data(), bytes));
  EXPECT_EQ(0, std::memcmp(gb[0].data(), gb[1].data(), bytes));
}

}  // namespace
}  // namespace lq
