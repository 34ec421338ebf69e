// Properties of ggml's block formats checked on blocks built here, independently of the decoder:
// each block is packed bit by bit from the layout as ggml-common.h documents it (which byte and
// bit each weight's code and each scale occupy), with scales chosen so that the exact value of
// every weight is representable in f32; decoding must give exactly that value. Bit-exact
// agreement with ggml's rounding on arbitrary bytes is the oracle test's job
// (tests/oracle/test_ggml_dequantize.py).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/error.h"
#include "core/ggml_dequantize.h"
#include "core/half.h"

namespace lq {
namespace {

// ggml-common.h's kvalues_iq4nl, restated.
constexpr int kGrid[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// A block under construction: set `width` bits at bit `shift` of byte `at`.
struct Bytes {
  std::vector<uint8_t> b;
  explicit Bytes(size_t n) : b(n, 0) {}
  void bits(size_t at, int shift, int width, unsigned v) {
    ASSERT_LT(v, 1u << width);
    b.at(at) |= static_cast<uint8_t>(v << shift);
  }
  void f16(size_t at, uint16_t h) {
    b.at(at) = static_cast<uint8_t>(h & 0xff);
    b.at(at + 1) = static_cast<uint8_t>(h >> 8);
  }
};

std::vector<float> decode(DType t, const std::vector<uint8_t>& bytes, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  dequantize_blocks(t, reinterpret_cast<const std::byte*>(bytes.data()), n, out.data());
  return out;
}

double h(uint16_t bits) { return f16_to_f32(bits); }
uint16_t pow2(int k) { return static_cast<uint16_t>((k + 15) << 10); }  // 2^k as f16, -14 <= k <= 15

// Everything one block's weights depend on, drawn at random within each field's range.
struct Fields {
  uint16_t d = 0x3c00, m = 0;  // f16 scale and min/dmin
  std::vector<int> sc, mn;     // per-group scales and mins (K types, IQ4_XS)
  std::vector<int> q;          // per-weight codes as stored (unsigned, before any offset)
};

Fields random_fields(std::mt19937& rng, int weights, int groups, int code_bits, int sc_bits, int mn_bits) {
  Fields f;
  std::uniform_int_distribution<int> exp(-6, 6), sign(0, 1);
  f.d = static_cast<uint16_t>(pow2(exp(rng)) | (sign(rng) ? 0x8000 : 0));
  f.m = static_cast<uint16_t>(pow2(exp(rng)) | (sign(rng) ? 0x8000 : 0));
  for (int g = 0; g < groups; ++g) {
    f.sc.push_back(std::uniform_int_distribution<int>(0, (1 << sc_bits) - 1)(rng));
    f.mn.push_back(mn_bits ? std::uniform_int_distribution<int>(0, (1 << mn_bits) - 1)(rng) : 0);
  }
  for (int e = 0; e < weights; ++e) f.q.push_back(std::uniform_int_distribution<int>(0, (1 << code_bits) - 1)(rng));
  return f;
}

// Packers: one block from its fields, following ggml-common.h's block_* structs.
// 32-weight types: qs[j] = weight j (low nibble) | weight j+16 (high nibble).
void pack_nibbles32(Bytes& b, size_t at, const std::vector<int>& q, size_t first = 0) {
  for (int e = 0; e < 32; ++e) b.bits(at + e % 16, e < 16 ? 0 : 4, 4, q[first + e] & 15);
}

struct Case {
  DType type;
  int weights, groups, code_bits, sc_bits, mn_bits;
  std::vector<uint8_t> (*pack)(const Fields&);
  double (*value)(const Fields&, int e);  // exact weight e
};

std::vector<uint8_t> pack_q4_0(const Fields& f) {
  Bytes b(18);
  b.f16(0, f.d);
  pack_nibbles32(b, 2, f.q);
  return b.b;
}
std::vector<uint8_t> pack_q4_1(const Fields& f) {
  Bytes b(20);
  b.f16(0, f.d);
  b.f16(2, f.m);
  pack_nibbles32(b, 4, f.q);
  return b.b;
}
std::vector<uint8_t> pack_q5(const Fields& f, bool with_min) {
  Bytes b(with_min ? 24 : 22);
  b.f16(0, f.d);
  if (with_min) b.f16(2, f.m);
  const size_t qh = with_min ? 4 : 2;
  for (int e = 0; e < 32; ++e) b.bits(qh + e / 8, e % 8, 1, f.q[e] >> 4);  // u32 qh, bit e
  pack_nibbles32(b, qh + 4, f.q);
  return b.b;
}
std::vector<uint8_t> pack_q8_0(const Fields& f) {
  Bytes b(34);
  b.f16(0, f.d);
  for (int e = 0; e < 32; ++e) b.b[2 + e] = static_cast<uint8_t>(f.q[e]);  // int8, two's complement
  return b.b;
}
// Q2_K: scales[16] (scale | min << 4), qs[64]: weight e at byte 32*(e/128) + e%32, bits 2*((e%128)/32).
std::vector<uint8_t> pack_q2_k(const Fields& f) {
  Bytes b(84);
  for (int g = 0; g < 16; ++g) b.b[g] = static_cast<uint8_t>(f.sc[g] | f.mn[g] << 4);
  for (int e = 0; e < 256; ++e) b.bits(16 + 32 * (e / 128) + e % 32, 2 * ((e % 128) / 32), 2, f.q[e]);
  b.f16(80, f.d);
  b.f16(82, f.m);
  return b.b;
}
// Q3_K: hmask[32] (bit e/32 of byte e%32: bit 2 of the code), qs[64] as Q2_K, scales[12], d.
std::vector<uint8_t> pack_q3_k(const Fields& f) {
  Bytes b(110);
  for (int e = 0; e < 256; ++e) {
    b.bits(e % 32, e / 32, 1, f.q[e] >> 2);
    b.bits(32 + 32 * (e / 128) + e % 32, 2 * ((e % 128) / 32), 2, f.q[e] & 3);
  }
  for (int g = 0; g < 16; ++g) {
    b.bits(96 + g % 8, g < 8 ? 0 : 4, 4, f.sc[g] & 15);
    b.bits(96 + 8 + g % 4, 2 * (g / 4), 2, f.sc[g] >> 4);
  }
  b.f16(108, f.d);
  return b.b;
}
// Q4_K / Q5_K 12-byte scales: j < 4: bytes j (scale) and j+4 (min), 6 bits each; j >= 4: low
// and high nibble of byte j+4, top two bits in bits 6..7 of bytes j-4 (scale) and j (min).
void pack_k_scales(Bytes& b, size_t at, const Fields& f) {
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      b.bits(at + j, 0, 6, f.sc[j]);
      b.bits(at + j + 4, 0, 6, f.mn[j]);
    } else {
      b.bits(at + j + 4, 0, 4, f.sc[j] & 15);
      b.bits(at + j + 4, 4, 4, f.mn[j] & 15);
      b.bits(at + j - 4, 6, 2, f.sc[j] >> 4);
      b.bits(at + j, 6, 2, f.mn[j] >> 4);
    }
  }
}
// Q4_K: d, dmin, scales[12], qs[128]: weight e = 64*p + 32*s + l at nibble s of byte 32*p + l.
std::vector<uint8_t> pack_q4_k(const Fields& f) {
  Bytes b(144);
  b.f16(0, f.d);
  b.f16(2, f.m);
  pack_k_scales(b, 4, f);
  for (int e = 0; e < 256; ++e) b.bits(16 + 32 * (e / 64) + e % 32, 4 * ((e / 32) % 2), 4, f.q[e]);
  return b.b;
}
// Q5_K: as Q4_K with qh[32] before qs: bit 4 of weight e is bit e/32 of qh[e%32].
std::vector<uint8_t> pack_q5_k(const Fields& f) {
  Bytes b(176);
  b.f16(0, f.d);
  b.f16(2, f.m);
  pack_k_scales(b, 4, f);
  for (int e = 0; e < 256; ++e) {
    b.bits(16 + e % 32, e / 32, 1, f.q[e] >> 4);
    b.bits(48 + 32 * (e / 64) + e % 32, 4 * ((e / 32) % 2), 4, f.q[e] & 15);
  }
  return b.b;
}
// Q6_K: ql[128], qh[64], int8 scales[16], d. Weight e = 128*h + 64*s + r (r < 64): low nibble
// at nibble s of ql[64*h + r]; top two bits at bits 2*((e%128)/32) of qh[32*h + e%32].
std::vector<uint8_t> pack_q6_k(const Fields& f) {
  Bytes b(210);
  for (int e = 0; e < 256; ++e) {
    b.bits(64 * (e / 128) + e % 64, 4 * ((e % 128) / 64), 4, f.q[e] & 15);
    b.bits(128 + 32 * (e / 128) + e % 32, 2 * ((e % 128) / 32), 2, f.q[e] >> 4);
  }
  for (int g = 0; g < 16; ++g) b.b[192 + g] = static_cast<uint8_t>(f.sc[g] - 128);  // as int8: -128..127
  b.f16(208, f.d);
  return b.b;
}
std::vector<uint8_t> pack_iq4_nl(const Fields& f) { return pack_q4_0(f); }
// IQ4_XS: d, u16 scales_h (bits 2j: top bits of scale j), scales_l[4] (nibble j%2 of byte j/2),
// qs[128]: sub-block j's 32 nibbles as Q4_0 in bytes 16j..16j+15.
std::vector<uint8_t> pack_iq4_xs(const Fields& f) {
  Bytes b(136);
  b.f16(0, f.d);
  for (int j = 0; j < 8; ++j) {
    b.bits(2 + (2 * j) / 8, (2 * j) % 8, 2, f.sc[j] >> 4);
    b.bits(4 + j / 2, 4 * (j % 2), 4, f.sc[j] & 15);
    pack_nibbles32(b, 8 + 16 * j, f.q, 32 * j);
  }
  return b.b;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {DType::Q4_0, 32, 0, 4, 0, 0, pack_q4_0, [](const Fields& f, int e) { return h(f.d) * (f.q[e] - 8); }},
      {DType::Q4_1, 32, 0, 4, 0, 0, pack_q4_1, [](const Fields& f, int e) { return h(f.d) * f.q[e] + h(f.m); }},
      {DType::Q5_0, 32, 0, 5, 0, 0, [](const Fields& f) { return pack_q5(f, false); },
       [](const Fields& f, int e) { return h(f.d) * (f.q[e] - 16); }},
      {DType::Q5_1, 32, 0, 5, 0, 0, [](const Fields& f) { return pack_q5(f, true); },
       [](const Fields& f, int e) { return h(f.d) * f.q[e] + h(f.m); }},
      {DType::Q8_0, 32, 0, 8, 0, 0, pack_q8_0,
       [](const Fields& f, int e) { return h(f.d) * static_cast<int8_t>(f.q[e]); }},
      {DType::Q2_K, 256, 16, 2, 4, 4, pack_q2_k,
       [](const Fields& f, int e) { return h(f.d) * f.sc[e / 16] * f.q[e] - h(f.m) * f.mn[e / 16]; }},
      {DType::Q3_K, 256, 16, 3, 6, 0, pack_q3_k,
       [](const Fields& f, int e) { return h(f.d) * (f.sc[e / 16] - 32) * (f.q[e] - 4); }},
      {DType::Q4_K, 256, 8, 4, 6, 6, pack_q4_k,
       [](const Fields& f, int e) { return h(f.d) * f.sc[e / 32] * f.q[e] - h(f.m) * f.mn[e / 32]; }},
      {DType::Q5_K, 256, 8, 5, 6, 6, pack_q5_k,
       [](const Fields& f, int e) { return h(f.d) * f.sc[e / 32] * f.q[e] - h(f.m) * f.mn[e / 32]; }},
      {DType::Q6_K, 256, 16, 6, 8, 0, pack_q6_k,
       [](const Fields& f, int e) { return h(f.d) * (f.sc[e / 16] - 128) * (f.q[e] - 32); }},
      {DType::IQ4_NL, 32, 0, 4, 0, 0, pack_iq4_nl, [](const Fields& f, int e) { return h(f.d) * kGrid[f.q[e]]; }},
      {DType::IQ4_XS, 256, 8, 4, 6, 0, pack_iq4_xs,
       [](const Fields& f, int e) { return h(f.d) * (f.sc[e / 32] - 32) * kGrid[f.q[e]]; }},
  };
  return all;
}

// Both decoders: dequantize_blocks (vector kernels where built) and the portable ones.
void expect_block(const Case& c, const Fields& f) {
  const std::vector<uint8_t> bytes = c.pack(f);
  ASSERT_EQ(bytes.size(), dtype_block_bytes(c.type));
  ASSERT_EQ(c.weights, dtype_block_size(c.type));
  std::vector<float> portable(static_cast<size_t>(c.weights));
  dequantize_blocks_portable(c.type, reinterpret_cast<const std::byte*>(bytes.data()), c.weights, portable.data());
  const std::vector<float> y = decode(c.type, bytes, c.weights);
  for (int e = 0; e < c.weights; ++e) {
    const double want = c.value(f, e);
    ASSERT_EQ(static_cast<double>(static_cast<float>(want)), want) << "test chose an inexact value";
    ASSERT_EQ(y[e], static_cast<float>(want)) << dtype_name(c.type) << " weight " << e;
    ASSERT_EQ(portable[e], static_cast<float>(want)) << dtype_name(c.type) << " weight " << e << " (portable)";
  }
}

TEST(GgmlDequantize, RandomCodesLandOnTheirWeights) {
  std::mt19937 rng(20240611);
  for (const Case& c : cases())
    for (int trial = 0; trial < 200; ++trial)
      expect_block(c, random_fields(rng, c.weights, c.groups, c.code_bits, c.sc_bits, c.mn_bits));
}

TEST(GgmlDequantize, AllZeroBytesGiveZeros) {
  for (const Case& c : cases()) {
    const std::vector<uint8_t> zeros(3 * dtype_block_bytes(c.type), 0);
    for (float v : decode(c.type, zeros, 3 * c.weights)) ASSERT_EQ(v, 0.0f) << dtype_name(c.type);
  }
}

TEST(GgmlDequantize, ConstantBlocksAreConstant) {
  std::mt19937 rng(7);
  for (const Case& c : cases()) {
    for (int code = 0; code < (1 << c.code_bits); code += c.code_bits > 4 ? 3 : 1) {
      Fields f = random_fields(rng, c.weights, c.groups, c.code_bits, c.sc_bits, c.mn_bits);
      for (int& s : f.sc) s = f.sc[0];
      for (int& m : f.mn) m = f.mn[0];
      for (int& q : f.q) q = code;
      const std::vector<float> y = decode(c.type, c.pack(f), c.weights);
      for (float v : y) ASSERT_EQ(v, y[0]) << dtype_name(c.type) << " code " << code;
      expect_block(c, f);
    }
  }
}

// Scales at both ends of f16: the smallest subnormal and others, and the largest finite half
// (65504). Mins are zero here so every value stays exact.
TEST(GgmlDequantize, SubnormalAndHugeScales) {
  std::mt19937 rng(99);
  for (const uint16_t d : {uint16_t(0x0001), uint16_t(0x8001), uint16_t(0x0155), uint16_t(0x03ff),
                           uint16_t(0x7bff), uint16_t(0xfbff), uint16_t(0x7800)}) {
    for (const Case& c : cases()) {
      for (int trial = 0; trial < 20; ++trial) {
        Fields f = random_fields(rng, c.weights, c.groups, c.code_bits, c.sc_bits, c.mn_bits);
        f.d = d;
        f.m = 0;
        expect_block(c, f);
      }
    }
  }
}

TEST(GgmlDequantize, InfiniteScaleGivesInfinityAndNaNForZeroCodes) {
  Fields f;
  f.d = 0x7c00;
  for (int e = 0; e < 32; ++e) f.q.push_back(e < 16 ? 0 : 5);  // Q8_0 codes 0 and 5
  const std::vector<float> y = decode(DType::Q8_0, pack_q8_0(f), 32);
  for (int e = 0; e < 32; ++e) {
    if (e < 16) {
      EXPECT_TRUE(std::isnan(y[e])) << e;
    } else {
      EXPECT_EQ(y[e], INFINITY) << e;
    }
  }
}

TEST(GgmlDequantize, EveryIq4nlTableEntry) {
  for (int code = 0; code < 16; ++code) {
    Fields f;
    f.d = 0x3c00;  // 1.0
    f.q.assign(32, code);
    for (float v : decode(DType::IQ4_NL, pack_iq4_nl(f), 32)) ASSERT_EQ(v, static_cast<float>(kGrid[code]));
    f.d = 0xb800;  // -0.5
    for (float v : decode(DType::IQ4_NL, pack_iq4_nl(f), 32)) ASSERT_EQ(v, -0.5f * static_cast<float>(kGrid[code]));
    // IQ4_XS with every sub-block scale 33 (33 - 32 = 1).
    f.d = 0x3c00;
    f.q.assign(256, code);
    f.sc.assign(8, 33);
    for (float v : decode(DType::IQ4_XS, pack_iq4_xs(f), 256)) ASSERT_EQ(v, static_cast<float>(kGrid[code]));
  }
}

TEST(GgmlDequantize, SourceNeedsNoAlignment) {
  std::mt19937 rng(3);
  for (const Case& c : cases()) {
    const Fields f = random_fields(rng, c.weights, c.groups, c.code_bits, c.sc_bits, c.mn_bits);
    const std::vector<uint8_t> bytes = c.pack(f);
    std::vector<uint8_t> shifted(bytes.size() + 1);
    std::memcpy(shifted.data() + 1, bytes.data(), bytes.size());
    std::vector<float> y(static_cast<size_t>(c.weights));
    dequantize_blocks(c.type, reinterpret_cast<const std::byte*>(shifted.data() + 1), c.weights, y.data());
    EXPECT_EQ(y, decode(c.type, bytes, c.weights)) << dtype_name(c.type);
  }
}

// The vector kernels against the portable decoders on arbitrary bytes, non-finite scales
// included: the same bits, except that which NaN payload wins d*q + m when both are NaN is
// the compiler's choice of operand order.
TEST(GgmlDequantize, VectorKernelsMatchPortableDecodersBitwise) {
  std::mt19937 rng(11);
  for (const Case& c : cases()) {
    const int64_t blocks = 300, n = blocks * c.weights;
    std::vector<std::byte> bytes(static_cast<size_t>(blocks) * dtype_block_bytes(c.type));
    for (auto& b : bytes) b = static_cast<std::byte>(rng() & 0xff);
    std::vector<float> fast(static_cast<size_t>(n)), portable(static_cast<size_t>(n));
    dequantize_blocks(c.type, bytes.data(), n, fast.data());
    dequantize_blocks_portable(c.type, bytes.data(), n, portable.data());
    for (size_t i = 0; i < fast.size(); ++i) {
      uint32_t a, b;
      std::memcpy(&a, &fast[i], 4);
      std::memcpy(&b, &portable[i], 4);
      if (!(std::isnan(fast[i]) && std::isnan(portable[i]))) {
        ASSERT_EQ(a, b) << dtype_name(c.type) << " weight " << i << ": " << fast[i] << " vs " << portable[i];
      }
    }
  }
}

TEST(GgmlDequantize, PlainTypesPassThrough) {
  const std::vector<uint8_t> half_bytes = {0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00};  // 1, -2, 2^-24
  EXPECT_EQ(decode(DType::F16, half_bytes, 3), (std::vector<float>{1.0f, -2.0f, std::ldexp(1.0f, -24)}));
  const std::vector<uint8_t> bf16_bytes = {0x80, 0x3f, 0x40, 0xc0};  // 1, -3
  EXPECT_EQ(decode(DType::BF16, bf16_bytes, 2), (std::vector<float>{1.0f, -3.0f}));
  std::vector<uint8_t> f32_bytes(4);
  const float x = 0.1f;
  std::memcpy(f32_bytes.data(), &x, 4);
  EXPECT_EQ(decode(DType::F32, f32_bytes, 1), std::vector<float>{0.1f});
}

TEST(GgmlDequantize, RejectsPartialBlocksAndNonWeightTypes) {
  const std::vector<uint8_t> bytes(210, 0);
  float out[256];
  EXPECT_THROW(dequantize_blocks(DType::Q6_K, reinterpret_cast<const std::byte*>(bytes.data()), 100, out), Error);
  EXPECT_THROW(dequantize_blocks(DType::Q4_0, reinterpret_cast<const std::byte*>(bytes.data()), 33, out), Error);
  EXPECT_THROW(dequantize_blocks(DType::I32, reinterpret_cast<const std::byte*>(bytes.data()), 4, out), Error);
  EXPECT_NO_THROW(dequantize_blocks(DType::Q6_K, nullptr, 0, nullptr));
}

}  // namespace
}  // namespace lq
