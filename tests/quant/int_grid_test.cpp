// Integer grids: properties that follow from the definitions in int_grid.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "quant/aciq.h"
#include "quant/format.h"
#include "quant/int_grid.h"
#include "quant/simulate.h"

namespace lq::quant {
namespace {

std::vector<float> gaussian(size_t n, uint32_t seed, float sigma = 1.0f, float mean = 0.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(mean, sigma);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// Student-t with 2 degrees of freedom: heavy tails, a few outliers far beyond the bulk.
std::vector<float> heavy_tailed(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> z(0, 1);
  std::vector<float> v(n);
  for (float& x : v) {
    const double a = z(rng), b = z(rng), c = z(rng);
    x = static_cast<float>(0.02 * a / std::sqrt((b * b + c * c) / 2));
  }
  return v;
}

std::vector<float> laplace(size_t n, uint32_t seed, double b) {
  std::mt19937 rng(seed);
  std::exponential_distribution<double> e(1.0 / b);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(e(rng) - e(rng));
  return v;
}

double mse(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return s / double(a.size());
}

std::vector<float> fq(const char* fmt, const std::vector<float>& w, int64_t rows, int64_t cols) {
  return fake_quantize(parse_format(fmt), w, rows, cols);
}

float absmax(const std::vector<float>& w) {
  float m = 0;
  for (float x : w) m = std::max(m, std::fabs(x));
  return m;
}

TEST(IntGrid, SymmetricScaleIsAbsmaxOverQmax) {
  const std::vector<float> w = gaussian(1000, 1);
  for (int k = 2; k <= 8; ++k) {
    const Format f = parse_format("int" + std::to_string(k));
    const IntGrid g = choose_grid(f, w.data(), w.size(), false, false);
    const int qmax = (1 << (k - 1)) - 1;
    EXPECT_EQ(g.qmax, qmax);
    EXPECT_EQ(g.qmin, -qmax);
    EXPECT_EQ(g.zero, 0);
    EXPECT_EQ(g.scale, absmax(w) / float(qmax));
  }
}

// |w - q(w)| <= scale/2 for every w inside the clip range [decode(qmin), decode(qmax)]; with
// absmax the clip range holds every weight (an f16 scale may shrink it by far less than s/2).
TEST(IntGrid, ErrorAtMostHalfStepInsideClipRange) {
  const std::vector<float> w = heavy_tailed(4096, 2);
  for (const char* name : {"int2", "int3", "int4", "int8", "int4-asym", "int3-asym", "int4-p99",
                           "int4-asym-p95", "int4-mse", "int3-asym-mse", "int4-aciq-laplace",
                           "int4-asym-aciq-gauss"}) {
    const Format f = parse_format(name);
    for (bool f16 : {false, true}) {
      const IntGrid g = choose_grid(f, w.data(), w.size(), f16, false);
      ASSERT_GT(g.scale, 0) << name;
      const float lo = decode(g.qmin, g), hi = decode(g.qmax, g);
      int inside = 0;
      for (float x : w) {
        const float err = std::fabs(fake_quant(x, g) - x);
        if (x >= lo && x <= hi) {
          ++inside;
          EXPECT_LE(err, g.scale * 0.5f * (1 + 1e-6f)) << name << " w=" << x;
        } else if (f.method == ScaleMethod::AbsMax) {
          EXPECT_LE(err, g.scale * 0.5f * (1 + 1e-6f)) << name << " (clamped) w=" << x;
        }
      }
      EXPECT_GT(inside, 3500) << name;
    }
  }
}

TEST(IntGrid, SymmetricCodesStayInRange) {
  std::vector<float> w = gaussian(2000, 3);
  w[5] = 1e30f, w[6] = -1e30f, w[7] = 3e-39f;  // huge and subnormal
  for (int k = 2; k <= 8; ++k) {
    const IntGrid g = make_grid(-0.5f, 0.5f, k, false, false);  // clip well inside the data
    const int qmax = (1 << (k - 1)) - 1;
    bool hit_lo = false, hit_hi = false;
    for (float x : w) {
      const int c = encode(x, g);
      EXPECT_GE(c, -qmax);
      EXPECT_LE(c, qmax);
      hit_lo |= c == -qmax, hit_hi |= c == qmax;
    }
    EXPECT_TRUE(hit_lo && hit_hi);
  }
}

TEST(IntGrid, ExactOnRepresentableValues) {
  // sym: w = code * 0.25 with code 7 present -> scale = 1.75/7 = 0.25 exactly.
  std::vector<float> w(64);
  for (int i = 0; i < 64; ++i) w[i] = float(i % 15 - 7) * 0.25f;
  EXPECT_EQ(fq("int4", w, 1, 64), w);
  EXPECT_EQ(fq("int4-chan", w, 4, 16), w);  // each row holds -7..7 or +-7: scale 0.25 is f16
  // asym: w = (code - 5) * 0.5, codes 0..15 -> scale 7.5/15 = 0.5, zero point rint(2.5/0.5) = 5.
  for (int i = 0; i < 64; ++i) w[i] = float(i % 16 - 5) * 0.5f;
  EXPECT_EQ(fq("int4-asym", w, 1, 64), w);
  EXPECT_EQ(fq("int4-asym-g16", w, 2, 32), w);
  // int8 per channel: codes -127..127 times a power of two.
  std::vector<float> v(255);
  for (int i = 0; i < 255; ++i) v[i] = std::ldexp(float(i - 127), -9);
  EXPECT_EQ(fq("int8-chan", v, 1, 255), v);
}

// Quantizing a quantized tensor changes nothing: its absmax (or min/max) is on the grid, so the
// same scale comes back. With an F16 scale that is exact; a per-tensor F32 scale recomputed as
// (qmax*s)/qmax may move by an ulp, which moves values by at most an ulp of the value.
TEST(IntGrid, Idempotent) {
  const std::vector<float> w = gaussian(64 * 128, 4, 0.05f);
  for (const char* name : {"int4-chan", "int4-g32", "int3-g128", "int8-chan", "int2-chan",
                           "int4-asym-chan", "int4-asym-g64", "int3-asym-g32", "int4", "int8",
                           "int4-asym", "int2"}) {
    const std::vector<float> q1 = fq(name, w, 64, 128), q2 = fq(name, q1, 64, 128);
    const bool tensor = parse_format(name).granularity == Granularity::Tensor;
    for (size_t i = 0; i < w.size(); ++i) {
      if (tensor)
        EXPECT_LE(std::fabs(q2[i] - q1[i]), std::nextafter(std::fabs(q1[i]), INFINITY) - std::fabs(q1[i])) << name;
      else
        ASSERT_EQ(q2[i], q1[i]) << name << " i=" << i;
    }
  }
}

// The zero point puts min and max within half a step of a level.
TEST(IntGrid, AsymmetricMinAndMaxRepresentable) {
  for (uint32_t seed = 0; seed < 20; ++seed) {
    for (float mean : {0.0f, 0.3f, -2.0f, 5.0f}) {  // ranges with and without 0 inside
      const std::vector<float> w = gaussian(257, seed, 1.0f, mean);
      const float lo = *std::min_element(w.begin(), w.end()), hi = *std::max_element(w.begin(), w.end());
      for (int k : {2, 3, 4, 8})
        for (bool f16 : {false, true}) {
          const IntGrid g = choose_grid(parse_format("int" + std::to_string(k) + "-asym"), w.data(), w.size(), f16, false);
          EXPECT_LE(std::fabs(fake_quant(lo, g) - lo), g.scale * 0.5f * (1 + 1e-5f));
          EXPECT_LE(std::fabs(fake_quant(hi, g) - hi), g.scale * 0.5f * (1 + 1e-5f));
          EXPECT_EQ(fake_quant(0.0f, g), 0.0f);
        }
    }
  }
}

TEST(IntGrid, PerChannelNotWorseThanPerTensor) {
  const int64_t R = 64, C = 256;
  std::vector<float> w = gaussian(R * C, 5);
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < C; ++c) w[r * C + c] *= std::ldexp(1.0f, -int(r % 8));
  const std::pair<const char*, const char*> pairs[] = {
      {"int4", "int4-chan"}, {"int8", "int8-chan"}, {"int3-asym", "int3-asym-chan"}, {"int4-chan", "int4-g32"}};
  for (auto [coarse, fine] : pairs)
    EXPECT_LE(mse(fq(fine, w, R, C), w), mse(fq(coarse, w, R, C), w)) << fine;
  EXPECT_LT(mse(fq("int4-chan", w, R, C), w), 0.5 * mse(fq("int4", w, R, C), w));
}

TEST(IntGrid, MseSearchNeverWorseThanAbsmax) {
  for (uint32_t seed = 0; seed < 4; ++seed) {
    const std::vector<float> g = gaussian(32 * 256, seed), h = heavy_tailed(32 * 256, seed);
    for (const auto* w : {&g, &h})
      for (const char* base : {"int2", "int3", "int4", "int8", "int3-chan", "int4-g32", "int4-asym", "int3-asym-g64"}) {
        const std::string m = std::string(base) + "-mse";
        EXPECT_LE(mse(fq(m.c_str(), *w, 32, 256), *w), mse(fq(base, *w, 32, 256), *w)) << m;
      }
    // A Gaussian bulk with two 20-sigma outliers: absmax rounds most of the bulk to 0;
    // clipping the outliers costs less (MSE counts them, so only a few may be clipped).
    std::vector<float> o = g;
    o[0] = 20.0f, o[4096] = -20.0f;
    EXPECT_LT(mse(fq("int3-mse", o, 32, 256), o), 0.5 * mse(fq("int3", o, 32, 256), o));
  }
}

// numpy's default percentile: sort, position p/100*(n-1), linear interpolation.
float percentile_by_sort(std::vector<float> v, double p) {
  std::sort(v.begin(), v.end());
  const double pos = p / 100 * double(v.size() - 1);
  const size_t i = size_t(pos);
  if (i + 1 >= v.size()) return v.back();
  return float(double(v[i]) + (pos - double(i)) * (double(v[i + 1]) - double(v[i])));
}

TEST(IntGrid, PercentileDefinition) {
  for (size_t n : {1, 2, 3, 10, 128, 1001}) {
    const std::vector<float> v = gaussian(n, uint32_t(n));
    for (double p : {0.0, 1.0, 50.0, 99.0, 99.9, 100.0}) {
      std::vector<float> tmp = v;
      EXPECT_EQ(percentile(tmp.data(), n, p), percentile_by_sort(v, p)) << n << " " << p;
    }
  }
}

TEST(IntGrid, PercentileClips) {
  const std::vector<float> w = heavy_tailed(8192, 6);
  std::vector<float> a(w.size());
  for (size_t i = 0; i < w.size(); ++i) a[i] = std::fabs(w[i]);
  const IntGrid g = choose_grid(parse_format("int4-p99"), w.data(), w.size(), false, false);
  EXPECT_EQ(g.scale, percentile_by_sort(a, 99) / 7.0f);
  const std::vector<float> q = fq("int4-p99", w, 1, 8192);
  EXPECT_LT(absmax(q), 0.5f * absmax(w));  // the outliers are clipped
  EXPECT_LE(absmax(q), percentile_by_sort(a, 99) * (1 + 1e-6f));
  int clipped = 0;
  for (size_t i = 0; i < w.size(); ++i) clipped += std::fabs(w[i]) > absmax(q);
  EXPECT_NEAR(clipped, 82, 10);  // ~1% of 8192
  // asym: clip at the 99th and 1st percentiles of w
  const IntGrid ga = choose_grid(parse_format("int4-asym-p99"), w.data(), w.size(), false, false);
  const float lo = percentile_by_sort(w, 1), hi = percentile_by_sort(w, 99);
  EXPECT_EQ(ga.scale, (hi - lo) / 15.0f);
}

// ACIQ clip = alpha* times the fitted b (mean |w - mean|) or sigma (std), computed here in
// double from the definition; symmetric grids clip at |mean| + alpha.
TEST(IntGrid, AciqClipFollowsFittedDistribution) {
  const std::vector<float> w = laplace(20000, 7, 0.01);
  double mean = 0, b = 0, var = 0;
  for (float x : w) mean += x;
  mean /= double(w.size());
  for (float x : w) b += std::fabs(x - mean), var += (x - mean) * (x - mean);
  b /= double(w.size());
  const double sigma = std::sqrt(var / double(w.size()));
  for (int k : {2, 3, 4, 8}) {
    const int qmax = (1 << (k - 1)) - 1;
    const std::string s = "int" + std::to_string(k);
    const IntGrid gl = choose_grid(parse_format(s + "-aciq-laplace"), w.data(), w.size(), false, false);
    const double clip_l = std::min<double>(absmax(w), std::fabs(mean) + aciq_alpha_laplace(k) * b);
    EXPECT_NEAR(gl.scale, clip_l / qmax, 1e-6 * clip_l / qmax) << k;
    const IntGrid gg = choose_grid(parse_format(s + "-aciq-gauss"), w.data(), w.size(), false, false);
    const double clip_g = std::min<double>(absmax(w), std::fabs(mean) + aciq_alpha_gauss(k) * sigma);
    EXPECT_NEAR(gg.scale, clip_g / qmax, 1e-6 * clip_g / qmax) << k;
    const IntGrid ga = choose_grid(parse_format(s + "-asym-aciq-laplace"), w.data(), w.size(), false, false);
    const double lo = std::max<double>(*std::min_element(w.begin(), w.end()), mean - aciq_alpha_laplace(k) * b);
    const double hi = std::min<double>(*std::max_element(w.begin(), w.end()), mean + aciq_alpha_laplace(k) * b);
    const double want = (std::max(hi, 0.0) - std::min(lo, 0.0)) / ((1 << k) - 1);
    EXPECT_NEAR(ga.scale, want, 1e-6 * want) << k;
  }
  // At 4 bits on Laplace data ACIQ-Laplace clips (clip < absmax) and beats absmax.
  EXPECT_LT(mse(fq("int4-aciq-laplace", w, 1, 20000), w), mse(fq("int4", w, 1, 20000), w));
}

TEST(IntGrid, ZeroTensorStaysZero) {
  const std::vector<float> z(256, 0.0f);
  for (const char* name : {"int4", "int4-asym-g32", "int3-chan-mse", "int4-p99", "int4-aciq-gauss"})
    EXPECT_EQ(fq(name, z, 2, 128), z) << name;
}

}  // namespace
}  // namespace lq::quant
