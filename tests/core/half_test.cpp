#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "core/half.h"

namespace lq {
namespace {

// Reference: the nearest representable half computed by exhaustive search over all finite
// halves (independent of the bit-twiddling under test).
uint16_t nearest_half_by_search(float f) {
  uint16_t best = 0;
  double best_err = INFINITY;
  for (uint32_t h = 0; h < 0x7c00; ++h) {
    for (uint16_t s : {uint16_t(0), uint16_t(0x8000)}) {
      const uint16_t c = static_cast<uint16_t>(h | s);
      const double err = std::fabs(double(f16_to_f32(c)) - double(f));
      if (err < best_err || (err == best_err && (c & 1) == 0 && (best & 1) == 1)) {
        best = c;
        best_err = err;
      }
    }
  }
  return best;
}

TEST(Half, ExactKnownValues) {
  EXPECT_EQ(f16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_f32(0xc000), -2.0f);
  EXPECT_EQ(f16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(f16_to_f32(0x0400), std::ldexp(1.0f, -14));  // smallest normal
  EXPECT_TRUE(std::isinf(f16_to_f32(0x7c00)));
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7e00)));
}

TEST(Half, RoundTripEveryHalf) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    EXPECT_EQ(f32_to_f16(f), h) << std::hex << h;
  }
}

TEST(Half, RoundsToNearestEvenLikeExhaustiveSearch) {
  const float samples[] = {1.0f + 1.0f / 2048, 1.0f + 3.0f / 2048, 3.14159265f, -0.1f, 1e-5f,
                           6.0e-8f,            2.9e-8f,            65519.0f,    1234.567f, -7.7e-6f};
  for (float f : samples) EXPECT_EQ(f32_to_f16(f), nearest_half_by_search(f)) << f;
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);  // overflows to +inf
  EXPECT_EQ(f32_to_f16(1e-9f), 0x0000);
}

TEST(BFloat16, RoundTripAndTies) {
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  // 1 + 2^-8 lies exactly between 1 and 1 + 2^-7: ties to even (1.0).
  EXPECT_EQ(f32_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  EXPECT_EQ(f32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
}

TEST(Half, BulkConversionMatchesScalar) {
  std::vector<uint16_t> src(1000);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint16_t>(i * 61 + 7);
  std::vector<float> a(src.size()), b(src.size());
  f16_to_f32_row(src.data(), a.data(), src.size());
  bf16_to_f32_row(src.data(), b.data(), src.size());
  for (size_t i = 0; i < src.size(); ++i) {
    const float expected = f16_to_f32(src[i]);
    EXPECT_EQ(std::memcmp(&a[i], &expected, 4), 0) << i;  // bitwise, so NaNs compare too
    const float expected_bf = bf16_to_f32(src[i]);
    EXPECT_EQ(std::memcmp(&b[i], &expected_bf, 4), 0) << i;
  }
}

}  // namespace
}  // namespace lq
