// The simulator entry point: layout (rows = output channels, groups along a row), thread-count
// independence, agreement with the building blocks, and shape checks.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "quant/format.h"
#include "quant/ggml_blocks.h"
#include "quant/simulate.h"

namespace lq::quant {
namespace {

std::vector<float> random_matrix(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0, 0.02f);
  std::vector<float> v(size_t(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) v[size_t(r * cols + c)] = d(rng) * float(1 + r % 5) * (c % 97 == 0 ? 20.0f : 1.0f);
  return v;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

const char* kAll[] = {"int4", "int4-mse", "int4-aciq-laplace", "int4-aciq-gauss", "int4-p99.9",
                      "int4-asym-p99", "int3-chan-mse", "int4-asym-g64", "int8-chan", "int2-g128",
                      "int4-chan-aciq-gauss", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "fp16", "bf16", "fp32"};

TEST(Simulate, SameResultForAnyThreadCount) {
  const int64_t R = 96, C = 1024;  // 98k weights: above the parallel threshold and the sum chunks
  const std::vector<float> w = random_matrix(R, C, 1);
  const int saved = omp_get_max_threads();
  for (const char* name : kAll) {
    omp_set_num_threads(1);
    const std::vector<float> one = fake_quantize(parse_format(name), w, R, C);
    for (int t : {2, 3, 5}) {
      omp_set_num_threads(t);
      EXPECT_TRUE(same_bits(fake_quantize(parse_format(name), w, R, C), one)) << name << " threads=" << t;
    }
  }
  omp_set_num_threads(saved);
}

TEST(Simulate, InPlaceEqualsOutOfPlace) {
  const std::vector<float> w = random_matrix(40, 640, 2);
  for (const char* name : kAll) {
    std::vector<float> in_place = w;
    fake_quantize(parse_format(name), in_place.data(), in_place.data(), 40, 640);
    EXPECT_TRUE(same_bits(in_place, fake_quantize(parse_format(name), w, 40, 640))) << name;
  }
}

TEST(Simulate, GgmlRowsAreBlockRoundTrips) {
  const int64_t R = 5, C = 96;
  const std::vector<float> w = random_matrix(R, C, 3);
  const struct { const char* name; ggml::BlockType t; } cases[] = {
      {"q4_0", ggml::BlockType::Q4_0}, {"q4_1", ggml::BlockType::Q4_1}, {"q5_0", ggml::BlockType::Q5_0},
      {"q5_1", ggml::BlockType::Q5_1}, {"q8_0", ggml::BlockType::Q8_0}};
  for (auto [name, t] : cases) {
    const std::vector<float> y = fake_quantize(parse_format(name), w, R, C);
    for (int64_t r = 0; r < R; ++r) {
      const std::vector<uint8_t> b = ggml::quantize_row(t, w.data() + r * C, C);
      std::vector<float> row(C);
      ggml::dequantize_row(t, b.data(), row.data(), C);
      EXPECT_TRUE(same_bits(row, std::vector<float>(y.begin() + r * C, y.begin() + (r + 1) * C))) << name;
    }
  }
}

TEST(Simulate, FloatFormats) {
  const std::vector<float> w = random_matrix(3, 50, 4);
  const std::vector<float> h = fake_quantize(parse_format("fp16"), w, 3, 50);
  const std::vector<float> b = fake_quantize(parse_format("bf16"), w, 3, 50);
  for (size_t i = 0; i < w.size(); ++i) {
    EXPECT_EQ(h[i], f16_to_f32(f32_to_f16(w[i])));
    EXPECT_EQ(b[i], bf16_to_f32(f32_to_bf16(w[i])));
  }
  EXPECT_TRUE(same_bits(fake_quantize(parse_format("fp32"), w, 3, 50), w));
}

// Groups run along a row: int4-g64 on [R, C] equals int4-chan on the same memory seen as
// [R*C/64, 64]; a trailing partial group is its own group.
TEST(Simulate, GroupsRunAlongRows) {
  const std::vector<float> w = random_matrix(8, 256, 5);
  EXPECT_TRUE(same_bits(fake_quantize(parse_format("int4-g64"), w, 8, 256),
                        fake_quantize(parse_format("int4-chan"), w, 32, 64)));
  EXPECT_TRUE(same_bits(fake_quantize(parse_format("int3-asym-g128-mse"), w, 8, 256),
                        fake_quantize(parse_format("int3-asym-chan-mse"), w, 16, 128)));
  const std::vector<float> p = random_matrix(3, 100, 6);
  const std::vector<float> y = fake_quantize(parse_format("int4-g64"), p, 3, 100);
  for (int64_t r = 0; r < 3; ++r) {
    std::vector<float> head(p.begin() + r * 100, p.begin() + r * 100 + 64), tail(p.begin() + r * 100 + 64, p.begin() + r * 100 + 100);
    const std::vector<float> qh = fake_quantize(parse_format("int4-chan"), head, 1, 64);
    const std::vector<float> qt = fake_quantize(parse_format("int4-chan"), tail, 1, 36);
    EXPECT_TRUE(same_bits(qh, std::vector<float>(y.begin() + r * 100, y.begin() + r * 100 + 64)));
    EXPECT_TRUE(same_bits(qt, std::vector<float>(y.begin() + r * 100 + 64, y.begin() + r * 100 + 100)));
  }
}

TEST(Simulate, VectorIsOneRow) {
  const std::vector<float> v = random_matrix(1, 320, 7);
  for (const char* name : kAll) {
    std::vector<float> out(v.size());
    fake_quantize_vector(parse_format(name), v.data(), out.data(), 320);
    EXPECT_TRUE(same_bits(out, fake_quantize(parse_format(name), v, 1, 320))) << name;
  }
}

TEST(Simulate, RejectsBadShapesAndFormats) {
  const std::vector<float> w(96, 1.0f);
  EXPECT_THROW(fake_quantize(parse_format("q4_0"), w, 2, 48), Error);
  EXPECT_THROW(fake_quantize(parse_format("int4"), w, 2, 47), Error);  // size mismatch
  Format bad = parse_format("int4");
  bad.bits = 9;
  EXPECT_THROW(fake_quantize(bad, w, 1, 96), Error);
  bad = parse_format("int4-g32");
  bad.group = 0;
  EXPECT_THROW(fake_quantize(bad, w, 1, 96), Error);
  std::vector<float> o(96);
  EXPECT_THROW(fake_quantize_vector(parse_format("q8_0"), w.data(), o.data(), 40), Error);
  EXPECT_NO_THROW(fake_quantize_vector(parse_format("int8-chan"), w.data(), o.data(), 40));
}

}  // namespace
}  // namespace lq::quant
