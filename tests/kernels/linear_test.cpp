// linear() (OpenBLAS over F32/F16/BF16 weights, slab-converted for half types) against its
// plain double-accumulating twin linear_reference(), for every dtype x storage order x bias,
// odd shapes, and weights large enough to need more than one 64 MiB conversion slab.
//
// Tolerance: |y - y_ref| <= 2e-5 * sum_i |x_i w_oi| + 1e-6. Both sides use the same (exactly
// converted) weight values, so the only difference is float vs double accumulation order.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/half.h"
#include "kernels/linear.h"
#include "kernels/threads.h"

namespace lq {
namespace {

struct Weights {
  std::vector<float> f32;
  std::vector<uint16_t> half;
  MatrixRef ref;
};

// Random weights [out, in] (logical), stored in `dtype` and `in_major` order.
Weights make_weights(DType dtype, int64_t out, int64_t in, bool in_major, uint32_t seed) {
  Weights w;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const size_t n = static_cast<size_t>(out * in);
  w.ref.dtype = dtype;
  w.ref.out = out;
  w.ref.in = in;
  w.ref.in_major = in_major;
  if (dtype == DType::F32) {
    w.f32.resize(n);
    for (auto& v : w.f32) v = u(rng);
    w.ref.data = w.f32.data();
  } else {
    w.half.resize(n);
    for (auto& v : w.half) v = dtype == DType::F16 ? f32_to_f16(u(rng)) : f32_to_bf16(u(rng));
    w.ref.data = w.half.data();
  }
  return w;
}

float weight_at(const Weights& w, int64_t o, int64_t i) {
  const int64_t idx = w.ref.index(o, i);
  switch (w.ref.dtype) {
    case DType::F32: return w.f32[idx];
    case DType::F16: return f16_to_f32(w.half[idx]);
    default: return bf16_to_f32(w.half[idx]);
  }
}

std::vector<float> random_vec(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

std::string dtype_str(DType t) {
  return t == DType::F32 ? "F32" : t == DType::F16 ? "F16" : "BF16";
}

// Runs linear and linear_reference and checks them against each other. y starts as NaN so a
// kernel that reads y without bias (beta != 0) or leaves entries unwritten is caught.
void check_linear(DType dtype, int64_t M, int64_t N, int64_t K, bool in_major, bool with_bias,
                  uint32_t seed) {
  SCOPED_TRACE(dtype_str(dtype) + " M=" + std::to_string(M) + " N=" + std::to_string(N) +
               " K=" + std::to_string(K) + (in_major ? " in_major" : " out_major") +
               (with_bias ? " bias" : " no-bias"));
  const Weights w = make_weights(dtype, N, K, in_major, seed);
  const auto x = random_vec(static_cast<size_t>(M * K), seed + 1);
  const auto bias = random_vec(static_cast<size_t>(N), seed + 2, -2.0f, 2.0f);
  const float* b = with_bias ? bias.data() : nullptr;

  std::vector<float> y(static_cast<size_t>(M * N), std::numeric_limits<float>::quiet_NaN());
  std::vector<float> yr(static_cast<size_t>(M * N), std::numeric_limits<float>::quiet_NaN());
  LinearScratch scratch;
  linear(x.data(), M, w.ref, b, y.data(), scratch);
  linear_reference(x.data(), M, w.ref, b, yr.data());

  // Weight values in logical [out, in] order, for the error bound.
  std::vector<float> wl(static_cast<size_t>(N * K));
  for (int64_t o = 0; o < N; ++o)
    for (int64_t i = 0; i < K; ++i) wl[o * K + i] = weight_at(w, o, i);

  int bad = 0;
  for (int64_t m = 0; m < M && bad < 5; ++m)
    for (int64_t o = 0; o < N && bad < 5; ++o) {
      double absdot = 0, exact = with_bias ? bias[o] : 0.0;
      for (int64_t i = 0; i < K; ++i) {
        absdot += std::fabs(double(x[m * K + i]) * wl[o * K + i]);
        exact += double(x[m * K + i]) * wl[o * K + i];
      }
      const double tol = 2e-5 * absdot + 1e-6;
      const float got = y[m * N + o], ref = yr[m * N + o];
      ASSERT_TRUE(std::isfinite(got)) << "y[" << m << "," << o << "] not written";
      // The reference itself is exact up to the final rounding to float.
      EXPECT_NEAR(ref, exact, 1e-6 * absdot + 1e-6);
      if (std::fabs(got - ref) > tol) {
        ++bad;
        ADD_FAILURE() << "y[" << m << "," << o << "] = " << got << ", reference " << ref
                      << ", tol " << tol;
      }
    }
}

TEST(Linear, MatchesReferenceEveryDtypeOrderAndBias) {
  uint32_t seed = 1;
  for (DType t : {DType::F32, DType::F16, DType::BF16})
    for (bool in_major : {false, true})
      for (bool bias : {false, true}) check_linear(t, 7, 33, 45, in_major, bias, seed++);
}

TEST(Linear, OddShapes) {
  // M = 1, K not a multiple of 8, N = 1, K = 1, and combinations.
  const int64_t shapes[][3] = {{1, 17, 13}, {5, 1, 29}, {3, 11, 1}, {1, 1, 1}, {9, 70, 257}, {2, 3, 7}};
  uint32_t seed = 100;
  for (DType t : {DType::F32, DType::F16, DType::BF16})
    for (bool in_major : {false, true})
      for (bool bias : {false, true})
        for (const auto& s : shapes) check_linear(t, s[0], s[1], s[2], in_major, bias, seed++);
}

TEST(Linear, ZeroRowsIsANoOp) {
  const Weights w = make_weights(DType::F16, 4, 3, false, 7);
  std::vector<float> y(4, 42.0f);
  LinearScratch scratch;
  linear(nullptr, 0, w.ref, nullptr, y.data(), scratch);
  for (float v : y) EXPECT_EQ(v, 42.0f);
}

// N*K = 17.1M weights > 16M floats (64 MiB): the out-major path converts two slabs of output
// rows (5590 + 110 for K = 3001), the in-major path two slabs of input rows that accumulate
// into y (beta = bias-or-0 for the first slab, 1 for the second).
TEST(Linear, CrossesSlabBoundaryHalfTypes) {
  check_linear(DType::F16, 2, 5700, 3001, false, true, 900);
  check_linear(DType::F16, 3, 3001, 5700, true, false, 901);
  check_linear(DType::F16, 2, 3001, 5700, true, true, 902);
  check_linear(DType::BF16, 2, 5700, 3001, false, false, 903);
}

TEST(Linear, ScratchIsReusedAcrossShapes) {
  // One scratch for a large then a small then a large call: results do not depend on history.
  LinearScratch scratch;
  for (auto [N, K] : {std::pair<int64_t, int64_t>{300, 200}, {5, 9}, {64, 128}}) {
    const Weights w = make_weights(DType::BF16, N, K, true, static_cast<uint32_t>(N + K));
    const auto x = random_vec(static_cast<size_t>(3 * K), 5);
    std::vector<float> y(static_cast<size_t>(3 * N)), yr(y.size());
    linear(x.data(), 3, w.ref, nullptr, y.data(), scratch);
    linear_reference(x.data(), 3, w.ref, nullptr, yr.data());
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], yr[i], 1e-4) << i;
  }
}

TEST(Linear, SameResultWithOneAndTwoThreads) {
  const Weights w = make_weights(DType::F16, 96, 160, false, 11);
  const auto x = random_vec(static_cast<size_t>(64 * 160), 12);
  const auto bias = random_vec(96, 13);
  std::vector<float> y1(64 * 96), y2(64 * 96);
  LinearScratch scratch;
  const int before = compute_threads();
  set_compute_threads(1);
  linear(x.data(), 64, w.ref, bias.data(), y1.data(), scratch);
  set_compute_threads(2);
  linear(x.data(), 64, w.ref, bias.data(), y2.data(), scratch);
  set_compute_threads(before);
  // Bit-identical with OpenBLAS's SkylakeX/Cooperlake sgemm kernels; its Haswell kernels (chosen
  // on this project's machines through OPENBLAS_CORETYPE=Haswell) order the sums by thread count,
  // so the bound is the float32 rounding of a 160-term dot product, not zero.
  for (size_t i = 0; i < y1.size(); ++i) EXPECT_NEAR(y1[i], y2[i], 1e-5f * (1.0f + std::fabs(y1[i]))) << i;
}

// Large enough that linear() splits the output columns across the OpenMP threads (issue 12): every
// layout and a width that leaves a ragged last part. Both thread counts match the double-precision
// reference; a repeated 2-thread call is bit-identical (the split is a function of the shape and
// the thread count only). 1 against 2 threads: as OpenBLAS's own threading, the Haswell kernel's
// edge tiles order some sums differently, so the bound is float rounding, not zero.
TEST(Linear, ColumnSplitAcrossThreadsIsExact) {
  for (bool in_major : {false, true})
    for (DType dtype : {DType::F32, DType::BF16}) {
      const int64_t M = 70, N = 1000, K = 300;
      const Weights w = make_weights(dtype, N, K, in_major, 21);
      const auto x = random_vec(static_cast<size_t>(M * K), 22);
      const auto bias = random_vec(static_cast<size_t>(N), 23);
      std::vector<float> y1(M * N), y2(M * N), yr(M * N);
      LinearScratch scratch;
      const int before = compute_threads();
      set_compute_threads(1);
      linear(x.data(), M, w.ref, bias.data(), y1.data(), scratch);
      set_compute_threads(2);
      linear(x.data(), M, w.ref, bias.data(), y2.data(), scratch);
      set_compute_threads(before);
      std::vector<float> y3(M * N);
      set_compute_threads(2);
      linear(x.data(), M, w.ref, bias.data(), y3.data(), scratch);
      set_compute_threads(before);
      EXPECT_EQ(0, std::memcmp(y2.data(), y3.data(), y2.size() * sizeof(float))) << dtype_str(dtype) << in_major;
      linear_reference(x.data(), M, w.ref, bias.data(), yr.data());
      for (size_t i = 0; i < yr.size(); ++i) {
        ASSERT_NEAR(y1[i], yr[i], 2e-5f * (1.0f + std::fabs(yr[i]))) << i;
        ASSERT_NEAR(y2[i], yr[i], 2e-5f * (1.0f + std::fabs(yr[i]))) << i;
      }
    }
}

}  // namespace
}  // namespace lq
