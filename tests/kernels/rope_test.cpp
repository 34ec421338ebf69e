// RoPE against a double-precision rotate_half reference, partial rotary, position 0 as the
// identity, norm preservation, and the inverse-frequency rules of transformers' rope utils
// (default, linear, dynamic NTK, llama3) written out here in double.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/rope.h"

namespace lq {
namespace {

std::vector<float> random_rows(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = nd(rng);
  return v;
}

TEST(Rope, MatchesReferenceFullAndPartial) {
  const int n_head = 3, hd = 16;
  const int64_t M = 7, stride = n_head * hd + 5;
  const std::vector<int32_t> pos = {0, 1, 2, 5, 100, 1000, 4095};
  for (int n_rot : {16, 4, 8}) {
    RopeParams p;
    p.n_rot = n_rot;
    const auto f = rope_inv_freq(p, M);
    auto a = random_rows(static_cast<size_t>(M * stride), 7 + n_rot), b = a;
    const auto orig = a;
    rope_inplace(a.data(), M, stride, pos.data(), n_head, hd, n_rot, f.data());
    rope_reference(b.data(), M, stride, pos.data(), n_head, hd, n_rot, f.data());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 2e-6f * (1 + std::fabs(b[i])));
    for (int64_t r = 0; r < M; ++r)
      for (int h = 0; h < n_head; ++h) {
        const size_t o = static_cast<size_t>(r * stride + h * hd);
        for (int d = n_rot; d < hd; ++d) EXPECT_EQ(a[o + d], orig[o + d]);  // pass-through dims
        double n0 = 0, n1 = 0;
        for (int d = 0; d < n_rot; ++d) n0 += double(orig[o + d]) * orig[o + d], n1 += double(a[o + d]) * a[o + d];
        EXPECT_NEAR(n0, n1, 1e-5 * n0);  // a rotation
        if (pos[r] == 0)
          for (int d = 0; d < hd; ++d) EXPECT_EQ(a[o + d], orig[o + d]);
      }
    // padding between rows untouched
    for (int64_t r = 0; r < M; ++r)
      for (int64_t d = n_head * hd; d < stride; ++d) EXPECT_EQ(a[r * stride + d], orig[r * stride + d]);
  }
}

TEST(Rope, RotatesHalvesNotAdjacentPairs) {
  // One head, n_rot 4, position 1, f = {1, 0.01}: dims (0, 2) and (1, 3) rotate together.
  std::vector<float> x = {1, 0, 0, 0};
  const std::vector<float> f = {1.0f, 0.01f};
  const int32_t pos = 1;
  rope_inplace(x.data(), 1, 4, &pos, 1, 4, 4, f.data());
  EXPECT_NEAR(x[0], std::cos(1.0), 1e-6);
  EXPECT_NEAR(x[2], std::sin(1.0), 1e-6);
  EXPECT_EQ(x[1], 0.0f);
  EXPECT_EQ(x[3], 0.0f);
}

TEST(Rope, InverseFrequencies) {
  RopeParams p;
  p.n_rot = 128;
  p.theta = 500000;
  const auto def = rope_inv_freq(p, 10);
  for (int i = 0; i < 64; ++i) EXPECT_NEAR(def[i], std::pow(500000.0, -2.0 * i / 128), 1e-6 * def[i]);

  RopeParams lin = p;
  lin.scaling = "linear";
  lin.factor = 4;
  const auto fl = rope_inv_freq(lin, 10);
  for (int i = 0; i < 64; ++i) EXPECT_NEAR(fl[i], def[i] / 4, 1e-6 * def[i]);

  // Llama 3.1: factor 8, low 1, high 4, original context 8192.
  RopeParams l3 = p;
  l3.scaling = "llama3";
  l3.factor = 8;
  l3.low_freq_factor = 1;
  l3.high_freq_factor = 4;
  l3.original_ctx = 8192;
  const auto f3 = rope_inv_freq(l3, 10);
  int unchanged = 0, divided = 0, smoothed = 0;
  for (int i = 0; i < 64; ++i) {
    const double w = 2 * M_PI / def[i];
    double want = def[i];
    if (w > 8192.0) want = def[i] / 8, ++divided;
    else if (w >= 2048.0) {
      const double s = (8192.0 / w - 1) / 3;
      want = (1 - s) * def[i] / 8 + s * def[i];
      ++smoothed;
    } else ++unchanged;
    EXPECT_NEAR(f3[i], want, 1e-6 * want) << i;
  }
  EXPECT_GT(unchanged, 0);
  EXPECT_GT(divided, 0);
  EXPECT_GT(smoothed, 0);

  // Dynamic NTK: unchanged up to the original context, a larger base beyond it.
  RopeParams dy;
  dy.n_rot = 32;
  dy.scaling = "dynamic";
  dy.factor = 2;
  dy.original_ctx = 64;
  const auto d0 = rope_inv_freq(dy, 64);
  const auto d1 = rope_inv_freq(dy, 100);
  const double base = 10000.0 * std::pow(2.0 * 100 / 64 - 1, 32.0 / 30);
  for (int i = 0; i < 16; ++i) {
    EXPECT_NEAR(d0[i], std::pow(10000.0, -2.0 * i / 32), 1e-6 * d0[i]);
    EXPECT_NEAR(d1[i], std::pow(base, -2.0 * i / 32), 1e-5 * d1[i]);
  }
}

}  // namespace
}  // namespace lq
