#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "quant/format.h"

namespace lq::quant {
namespace {

TEST(Format, ParsesEveryDocumentedExample) {
  for (const char* s : {"int4", "int4-sym-g128", "int8-chan", "int4-asym-g64", "int3-chan-mse",
                        "int4-aciq-laplace", "int4-chan-aciq-gauss", "int2", "q4_0", "q4_1", "q5_0",
                        "q5_1", "q8_0", "fp16", "bf16", "fp32", "int4-p99.9", "int8-absmax"}) {
    EXPECT_NO_THROW(parse_format(s)) << s;
  }
}

TEST(Format, Fields) {
  Format f = parse_format("int4");
  EXPECT_EQ(f.kind, Kind::Int);
  EXPECT_EQ(f.bits, 4);
  EXPECT_FALSE(f.asym);
  EXPECT_EQ(f.granularity, Granularity::Tensor);
  EXPECT_EQ(f.method, ScaleMethod::AbsMax);

  f = parse_format("int4-asym-g64");
  EXPECT_TRUE(f.asym);
  EXPECT_EQ(f.granularity, Granularity::Group);
  EXPECT_EQ(f.group, 64);

  f = parse_format("int3-chan-mse");
  EXPECT_EQ(f.bits, 3);
  EXPECT_EQ(f.granularity, Granularity::Channel);
  EXPECT_EQ(f.method, ScaleMethod::Mse);

  f = parse_format("int4-chan-aciq-gauss");
  EXPECT_EQ(f.method, ScaleMethod::AciqGauss);
  EXPECT_EQ(parse_format("int4-aciq-laplace").method, ScaleMethod::AciqLaplace);

  f = parse_format("int4-p99.9");
  EXPECT_EQ(f.method, ScaleMethod::Percentile);
  EXPECT_EQ(f.percentile, 99.9);

}

TEST(Format, CanonicalNamesRoundTrip) {
  EXPECT_EQ(canonical_name(parse_format("int4-sym-g128")), "int4-g128");
  EXPECT_EQ(canonical_name(parse_format("int4-g128-sym")), "int4-g128");
  EXPECT_EQ(canonical_name(parse_format("int8-absmax")), "int8");
  EXPECT_EQ(canonical_name(parse_format("int4-mse-asym-chan")), "int4-asym-chan-mse");
  EXPECT_EQ(canonical_name(parse_format("int4-p99.9")), "int4-p99.9");
  EXPECT_EQ(canonical_name(parse_format("q5_1")), "q5_1");
  for (const char* s : {"int4", "int4-g128", "int8-chan", "int4-asym-g64", "int3-chan-mse",
                        "int4-aciq-laplace", "int4-chan-aciq-gauss", "int2", "int4-asym-p99.99",
                        "q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "fp16", "bf16", "fp32", "int7-g1"}) {
    const Format f = parse_format(s);
    EXPECT_EQ(canonical_name(f), s);
    EXPECT_EQ(parse_format(canonical_name(f)), f) << s;
  }
}

TEST(Format, RejectsUnknownWithHelp) {
  for (const char* s : {"", "int", "int1", "int9", "int16", "int4-g0", "int4-g", "int4-gx",
                        "int4-chan-g32", "int4-sym-asym", "int4-mse-p99", "int4-foo", "int4-aciq",
                        "int4-aciq-cauchy", "int4-p0", "int4-p101", "int4-p", "INT4", "q4_2",
                        "fp8", "int4-", "int4--chan", "int 4", "g128-int4"}) {
    try {
      parse_format(s);
      ADD_FAILURE() << "accepted '" << s << "'";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("int<k>"), std::string::npos) << msg;
      EXPECT_NE(msg.find("q4_0"), std::string::npos) << msg;
    }
  }
}

TEST(Format, HelpMentionsEveryOption) {
  const std::string& h = format_help();
  for (const char* w : {"fp32", "fp16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "int<k>",
                        "asym", "chan", "g<N>", "p<P>", "mse", "aciq-laplace", "aciq-gauss"})
    EXPECT_NE(h.find(w), std::string::npos) << w;
}

// Storage sizes worked out from the format definitions.
TEST(Format, StoredBytes) {
  const int64_t R = 4096, C = 4096, N = R * C;
  EXPECT_EQ(stored_bytes(parse_format("fp32"), R, C), 4u * N);
  EXPECT_EQ(stored_bytes(parse_format("fp16"), R, C), 2u * N);
  EXPECT_EQ(stored_bytes(parse_format("bf16"), R, C), 2u * N);
  EXPECT_EQ(stored_bytes(parse_format("int4"), R, C), N / 2 + 4);  // + one f32 scale
  EXPECT_EQ(stored_bytes(parse_format("int8-chan"), R, C), N + 2 * R);
  EXPECT_EQ(stored_bytes(parse_format("int4-g128"), R, C), N / 2 + 2 * R * (C / 128));
  // asym: a 4-bit zero point beside each f16 scale
  EXPECT_EQ(stored_bits(parse_format("int4-asym-g64"), R, C), 4u * N + R * (C / 64) * (16 + 4));
  // 3-bit codes packed densely; a partial trailing group counts whole: 100 cols = 2 groups of 64
  EXPECT_EQ(stored_bits(parse_format("int3-g64"), 3, 100), 3u * 300 + 3 * 2 * 16);
  EXPECT_EQ(stored_bytes(parse_format("int3-g64"), 3, 100), (900u + 96 + 7) / 8);

  EXPECT_EQ(stored_bytes(parse_format("q4_0"), R, C), 18u * N / 32);
  EXPECT_EQ(stored_bytes(parse_format("q4_1"), R, C), 20u * N / 32);
  EXPECT_EQ(stored_bytes(parse_format("q5_0"), R, C), 22u * N / 32);
  EXPECT_EQ(stored_bytes(parse_format("q5_1"), R, C), 24u * N / 32);
  EXPECT_EQ(stored_bytes(parse_format("q8_0"), R, C), 34u * N / 32);
  EXPECT_DOUBLE_EQ(bits_per_weight(parse_format("q4_0"), R, C), 4.5);
  EXPECT_DOUBLE_EQ(bits_per_weight(parse_format("q4_1"), R, C), 5.0);
  EXPECT_DOUBLE_EQ(bits_per_weight(parse_format("q5_0"), R, C), 5.5);
  EXPECT_DOUBLE_EQ(bits_per_weight(parse_format("q5_1"), R, C), 6.0);
  EXPECT_DOUBLE_EQ(bits_per_weight(parse_format("q8_0"), R, C), 8.5);
  EXPECT_DOUBLE_EQ(bits_per_weight(parse_format("int4-g128"), R, C), 4.125);
  EXPECT_DOUBLE_EQ(bits_per_weight(parse_format("fp16"), R, C), 16.0);
  EXPECT_THROW(stored_bytes(parse_format("q4_0"), 2, 48), Error);
}

}  // namespace
}  // namespace lq::quant
