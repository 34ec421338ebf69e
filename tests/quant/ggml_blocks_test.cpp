// ggml block formats against bytes worked out by hand from the format definitions (see
// ggml_blocks.h): literal byte strings, or bytes packed here from codes chosen so that every
// intermediate value is exact (then code = the integer the weight was built from).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "quant/ggml_blocks.h"

namespace lq::quant::ggml {
namespace {

using Bytes = std::vector<uint8_t>;

// Little-endian f16 bytes followed by `rest`.
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes u16(uint16_t v) { return {uint8_t(v & 0xff), uint8_t(v >> 8)}; }
Bytes u32(uint32_t v) { return {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)}; }
Bytes repeat(uint8_t b, int n) { return Bytes(n, b); }

// Nibble packing by definition: byte j = low 4 bits of code j | low 4 bits of code j+16 << 4.
Bytes nibbles(const std::vector<int>& c) {
  Bytes out(16);
  for (int j = 0; j < 16; ++j) out[j] = uint8_t((c[j] & 15) | (c[j + 16] & 15) << 4);
  return out;
}
// Bit j of qh = bit 4 of code j.
uint32_t high_bits(const std::vector<int>& c) {
  uint32_t qh = 0;
  for (int j = 0; j < 32; ++j)
    if (c[j] & 16) qh |= 1u << j;
  return qh;
}

// Deterministic pseudo-random codes in [0, top], first code forced to `first`.
std::vector<int> codes(int top, int first, uint32_t seed) {
  std::vector<int> c(32);
  for (int j = 0; j < 32; ++j) {
    seed = seed * 1664525u + 1013904223u;
    c[j] = int((seed >> 16) % uint32_t(top + 1));
  }
  c[0] = first;
  return c;
}

std::vector<float> roundtrip(BlockType t, const std::vector<float>& x) {
  const Bytes b = quantize_row(t, x.data(), int64_t(x.size()));
  std::vector<float> y(x.size());
  dequantize_row(t, b.data(), y.data(), int64_t(x.size()));
  return y;
}

TEST(GgmlBlocks, Sizes) {
  EXPECT_EQ(block_bytes(BlockType::Q4_0), 18u);
  EXPECT_EQ(block_bytes(BlockType::Q4_1), 20u);
  EXPECT_EQ(block_bytes(BlockType::Q5_0), 22u);
  EXPECT_EQ(block_bytes(BlockType::Q5_1), 24u);
  EXPECT_EQ(block_bytes(BlockType::Q8_0), 34u);
  std::vector<float> x(64, 1.0f);
  EXPECT_EQ(quantize_row_q4_0(x.data(), 64).size(), 36u);
  EXPECT_EQ(quantize_row_q8_0(x.data(), 64).size(), 68u);
}

TEST(GgmlBlocks, RejectsLengthsNotMultipleOf32) {
  std::vector<float> x(64, 1.0f);
  for (BlockType t : {BlockType::Q4_0, BlockType::Q4_1, BlockType::Q5_0, BlockType::Q5_1, BlockType::Q8_0})
    for (int64_t n : {1, 31, 33, 48, 63}) EXPECT_THROW(quantize_row(t, x.data(), n), Error);
  EXPECT_TRUE(quantize_row_q4_0(x.data(), 0).empty());
}

// All zeros: Q4_0/Q5_0 compute d = 0 / -8 = -0.0 (f16 0x8000) and every weight lands on the
// middle code (8, resp. 16: low nibble 0, fifth bit set).
TEST(GgmlBlocks, AllZeroBlocks) {
  const std::vector<float> z(32, 0.0f);
  EXPECT_EQ(quantize_row_q4_0(z.data(), 32), cat({u16(0x8000), repeat(0x88, 16)}));
  EXPECT_EQ(quantize_row_q4_1(z.data(), 32), repeat(0x00, 20));
  EXPECT_EQ(quantize_row_q5_0(z.data(), 32), cat({u16(0x8000), u32(0xffffffff), repeat(0x00, 16)}));
  EXPECT_EQ(quantize_row_q5_1(z.data(), 32), repeat(0x00, 24));
  EXPECT_EQ(quantize_row_q8_0(z.data(), 32), repeat(0x00, 34));
  for (BlockType t : {BlockType::Q4_0, BlockType::Q4_1, BlockType::Q5_0, BlockType::Q5_1, BlockType::Q8_0})
    for (float v : roundtrip(t, z)) EXPECT_EQ(v, 0.0f);
}

// Constant blocks: the constant is the signed max, so it takes code 0 of Q4_0/Q5_0 with
// d = c / -8 (resp. -16); Q4_1/Q5_1 get d = 0, m = c; Q8_0 gets code 127 with d = c/127.
TEST(GgmlBlocks, ConstantBlocks) {
  const std::vector<float> one(32, 1.0f), minus(32, -1.0f), half(32, 0.5f);
  EXPECT_EQ(quantize_row_q4_0(one.data(), 32), cat({u16(0xb000), repeat(0x00, 16)}));   // d=-1/8
  EXPECT_EQ(quantize_row_q4_0(minus.data(), 32), cat({u16(0x3000), repeat(0x00, 16)})); // d=+1/8
  EXPECT_EQ(quantize_row_q5_0(one.data(), 32), cat({u16(0xac00), u32(0), repeat(0x00, 16)}));  // -1/16
  EXPECT_EQ(quantize_row_q4_1(half.data(), 32), cat({u16(0x0000), u16(0x3800), repeat(0x00, 16)}));
  EXPECT_EQ(quantize_row_q5_1(minus.data(), 32), cat({u16(0x0000), u16(0xbc00), u32(0), repeat(0x00, 16)}));
  // 1/127 = 1.0078740 * 2^-7 -> f16 exponent 8, mantissa round(0.0078740*1024) = 8: 0x2008.
  EXPECT_EQ(quantize_row_q8_0(one.data(), 32), cat({u16(0x2008), repeat(0x7f, 32)}));
  EXPECT_EQ(quantize_row_q8_0(minus.data(), 32), cat({u16(0x2008), repeat(0x81, 32)}));
  for (float v : roundtrip(BlockType::Q4_0, one)) EXPECT_EQ(v, 1.0f);
  for (float v : roundtrip(BlockType::Q5_1, minus)) EXPECT_EQ(v, -1.0f);
  // Q8_0 stores the rounded scale: 127 * 0x2008 = 127 * 1.0078125 / 128.
  for (float v : roundtrip(BlockType::Q8_0, one)) EXPECT_EQ(v, 127.0f * (1.0078125f / 128.0f));
}

// Q4_0 with integer weights and max magnitude -8: d = 1, code = w + 8 exactly. Weights j and
// j+16 differ, which pins the nibble order.
TEST(GgmlBlocks, Q4_0NibbleOrderAndNegativeMax) {
  const std::vector<int> c = codes(15, 0, 7);
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = float(c[j] - 8);
  EXPECT_EQ(quantize_row_q4_0(x.data(), 32), cat({u16(0x3c00), nibbles(c)}));
  EXPECT_EQ(roundtrip(BlockType::Q4_0, x), x);  // every value is on the grid
}

// Ties on magnitude: the first of +8 / -8 sets the sign of d; the other side saturates at 15.
TEST(GgmlBlocks, Q4_0SignedMaxTie) {
  std::vector<float> x(32, 0.0f);
  x[0] = -8, x[1] = 8;  // d = -8/-8 = 1: +8 -> trunc(16.5)=16 -> clamped to 15 (value 7)
  std::vector<int> c(32, 8);
  c[0] = 0, c[1] = 15;
  EXPECT_EQ(quantize_row_q4_0(x.data(), 32), cat({u16(0x3c00), nibbles(c)}));
  x[0] = 8, x[1] = -8;  // d = 8/-8 = -1: +8 -> code 0, -8 -> 16.5 -> 15 (value -7)
  EXPECT_EQ(quantize_row_q4_0(x.data(), 32), cat({u16(0xbc00), nibbles(c)}));
  const std::vector<float> y = roundtrip(BlockType::Q4_0, x);
  EXPECT_EQ(y[0], 8.0f);
  EXPECT_EQ(y[1], -7.0f);
}

// Rounding is floor(x/d + 8.5) - 8: halves go up in code space (toward the sign of d).
TEST(GgmlBlocks, Q4_0HalfwayRounding) {
  std::vector<float> x(32, 0.0f);
  x[0] = -8;  // d = 1
  x[1] = 0.5f, x[2] = -0.5f, x[3] = 1.5f, x[4] = -1.5f, x[5] = 6.5f, x[6] = 7.5f, x[7] = -7.5f;
  std::vector<int> c(32, 8);
  c[0] = 0, c[1] = 9, c[2] = 8, c[3] = 10, c[4] = 7, c[5] = 15, c[6] = 15, c[7] = 1;
  EXPECT_EQ(quantize_row_q4_0(x.data(), 32), cat({u16(0x3c00), nibbles(c)}));
}

// Q5_0: d = 1 when the max magnitude is -16; code = w + 16, fifth bits in qh.
TEST(GgmlBlocks, Q5_0HighBits) {
  const std::vector<int> c = codes(31, 0, 11);
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = float(c[j] - 16);
  EXPECT_EQ(quantize_row_q5_0(x.data(), 32), cat({u16(0x3c00), u32(high_bits(c)), nibbles(c)}));
  EXPECT_EQ(roundtrip(BlockType::Q5_0, x), x);
  // Literal: codes j for j < 16 and 31-j above: qh = 0xffff0000, qs[j] = j | (15-j) << 4.
  std::vector<float> y(32);
  for (int j = 0; j < 16; ++j) y[j] = float(j - 16), y[j + 16] = float(15 - j);
  const Bytes expect = {0x00, 0x3c, 0x00, 0x00, 0xff, 0xff, 0xf0, 0xe1, 0xd2, 0xc3, 0xb4,
                        0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f};
  EXPECT_EQ(quantize_row_q5_0(y.data(), 32), expect);
}

// Q4_1: min -1, max 14 -> d = 1, m = -1 (0xbc00), code = w + 1.
TEST(GgmlBlocks, Q4_1MinScale) {
  std::vector<int> c = codes(15, 0, 3);
  c[1] = 15;  // make sure the max is present
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = float(c[j] - 1);
  EXPECT_EQ(quantize_row_q4_1(x.data(), 32), cat({u16(0x3c00), u16(0xbc00), nibbles(c)}));
  EXPECT_EQ(roundtrip(BlockType::Q4_1, x), x);
}

// Q5_1: w = code/2 - 3 with codes 0 and 31 present -> d = 15.5/31 = 0.5 (0x3800), m = -3 (0xc200).
TEST(GgmlBlocks, Q5_1MinScale) {
  std::vector<int> c = codes(31, 0, 5);
  c[2] = 31;
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = float(c[j]) * 0.5f - 3.0f;
  EXPECT_EQ(quantize_row_q5_1(x.data(), 32),
            cat({u16(0x3800), u16(0xc200), u32(high_bits(c)), nibbles(c)}));
  EXPECT_EQ(roundtrip(BlockType::Q5_1, x), x);
}

// Q8_0: amax 127 -> d = 1; roundf rounds halves away from zero; two's complement codes.
TEST(GgmlBlocks, Q8_0Codes) {
  std::vector<float> x(32, 0.0f);
  x[0] = -127, x[1] = 0.5f, x[2] = -0.5f, x[3] = 2.5f, x[4] = -2.5f, x[5] = 126.49f, x[6] = 100;
  Bytes q(32, 0);
  q[0] = 0x81, q[1] = 1, q[2] = 0xff, q[3] = 3, q[4] = 0xfd, q[5] = 126, q[6] = 100;
  EXPECT_EQ(quantize_row_q8_0(x.data(), 32), cat({u16(0x3c00), q}));
}

// f16-subnormal scale: amax 127 * 2^-20 -> d = 2^-20 = 16 * 2^-24 -> f16 0x0010; exact grid.
TEST(GgmlBlocks, SubnormalScale) {
  std::vector<float> x(32);
  Bytes q(32);
  for (int j = 0; j < 32; ++j) {
    const int k = j == 0 ? -127 : (j * 37) % 255 - 127;
    x[j] = std::ldexp(float(k), -20);
    q[j] = uint8_t(int8_t(k));
  }
  EXPECT_EQ(quantize_row_q8_0(x.data(), 32), cat({u16(0x0010), q}));
  EXPECT_EQ(roundtrip(BlockType::Q8_0, x), x);
  // amax 1e-6: d = 7.9e-9 is below half the smallest f16 subnormal (2^-25): stored d = 0, codes
  // still computed from the f32 d, so the bytes keep them but every value dequantizes to 0.
  std::vector<float> t(32, 0.0f);
  t[0] = 1e-6f, t[1] = -1e-6f;
  Bytes qt(32, 0);
  qt[0] = 0x7f, qt[1] = 0x81;
  EXPECT_EQ(quantize_row_q8_0(t.data(), 32), cat({u16(0x0000), qt}));
  for (float v : roundtrip(BlockType::Q8_0, t)) EXPECT_EQ(v, 0.0f);
  // f32 subnormal weights: the scale underflows to f16 zero; everything dequantizes to 0.
  const std::vector<float> s(32, 1e-40f);
  for (BlockType bt : {BlockType::Q4_0, BlockType::Q4_1, BlockType::Q5_0, BlockType::Q5_1, BlockType::Q8_0}) {
    const Bytes b = quantize_row(bt, s.data(), 32);
    EXPECT_EQ(b[0], 0);
    EXPECT_EQ(b[1] & 0x7f, 0);
    for (float v : roundtrip(bt, s)) EXPECT_EQ(v, 0.0f);
  }
}

// 1e30: d overflows f16 to inf (as ggml stores it); codes come from the finite f32 d.
TEST(GgmlBlocks, HugeValues) {
  std::vector<float> x(32, 0.0f);
  x[0] = 1e30f, x[1] = -1e30f;
  Bytes q(32, 0);
  q[0] = 0x7f, q[1] = 0x81;
  EXPECT_EQ(quantize_row_q8_0(x.data(), 32), cat({u16(0x7c00), q}));
  std::vector<int> c(32, 8);
  c[0] = 0, c[1] = 15;  // d = 1e30/-8 -> -inf; -1e30 saturates at 15
  EXPECT_EQ(quantize_row_q4_0(x.data(), 32), cat({u16(0xfc00), nibbles(c)}));
  const Bytes b41 = quantize_row_q4_1(x.data(), 32);  // d = 2e30/15 -> inf, m = -1e30 -> -inf
  EXPECT_EQ(Bytes(b41.begin(), b41.begin() + 4), cat({u16(0x7c00), u16(0xfc00)}));
  const std::vector<float> y = roundtrip(BlockType::Q8_0, x);
  EXPECT_TRUE(std::isinf(y[0]) && y[0] > 0);
  EXPECT_TRUE(std::isnan(y[2]));  // 0 * inf
}

TEST(GgmlBlocks, MultipleBlocksAreIndependent) {
  std::vector<float> x(96);
  for (int i = 0; i < 96; ++i) x[i] = std::sin(0.37f * float(i)) * float(1 + i / 32);
  for (BlockType t : {BlockType::Q4_0, BlockType::Q4_1, BlockType::Q5_0, BlockType::Q5_1, BlockType::Q8_0}) {
    const Bytes all = quantize_row(t, x.data(), 96);
    for (int b = 0; b < 3; ++b) {
      const Bytes one = quantize_row(t, x.data() + 32 * b, 32);
      EXPECT_EQ(Bytes(all.begin() + b * block_bytes(t), all.begin() + (b + 1) * block_bytes(t)), one);
    }
  }
}

// Error bound implied by the definitions: at most d/2 plus the f16 rounding of d and m, except
// the Q4_0/Q5_0 value opposite the max, which saturates one level short (error <= d).
TEST(GgmlBlocks, ErrorWithinHalfStep) {
  std::vector<float> x(32 * 64);
  uint32_t s = 1;
  for (float& v : x) {
    s = s * 1664525u + 1013904223u;
    v = (float(s >> 8) / 16777216.0f - 0.5f) * 3.0f;
  }
  // d = amax/levels (symmetric) or (max-min)/levels (min/scale formats)
  const struct { BlockType t; float levels; bool minscale; } cases[] = {
      {BlockType::Q4_0, 8, false}, {BlockType::Q5_0, 16, false}, {BlockType::Q8_0, 127, false},
      {BlockType::Q4_1, 15, true}, {BlockType::Q5_1, 31, true}};
  for (auto [t, levels, minscale] : cases) {
    const std::vector<float> y = roundtrip(t, x);
    for (int b = 0; b < 64; ++b) {
      float lo = INFINITY, hi = -INFINITY;
      for (int j = 0; j < 32; ++j) lo = std::min(lo, x[32 * b + j]), hi = std::max(hi, x[32 * b + j]);
      const float amax = std::max(-lo, hi);
      const float d = minscale ? (hi - lo) / levels : amax / levels;
      for (int j = 0; j < 32; ++j) {
        const float err = std::fabs(y[32 * b + j] - x[32 * b + j]);
        const bool saturating = (t == BlockType::Q4_0 || t == BlockType::Q5_0) && std::fabs(x[32 * b + j]) > amax - d;
        EXPECT_LE(err, (saturating ? 1.0f : 0.5f) * d + 3e-3f * amax) << block_name(t);
      }
    }
  }
}

}  // namespace
}  // namespace lq::quant::ggml
