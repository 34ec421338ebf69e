// Compressed matrices: expanding rows gives bit for bit what the simulator gives, for every
// format, shape (partial groups, odd columns) and patch list, and holds the format's size.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/error.h"
#include "kernels/linear.h"
#include "quant/format.h"
#include "quant/quantized_matrix.h"
#include "quant/simulate.h"

namespace lq::quant {
namespace {

std::vector<float> random_matrix(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0, 0.02f);
  std::vector<float> v(size_t(rows * cols));
  for (int64_t i = 0; i < rows * cols; ++i) v[size_t(i)] = d(rng) * (i % 89 == 0 ? 30.0f : 1.0f);
  return v;
}

std::vector<float> expand(const QuantizedMatrix& q) {
  std::vector<float> out(size_t(q.rows() * q.cols()));
  q.decode_rows(0, q.rows(), out.data());
  return out;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(QuantizedMatrix, ExpandsToExactlyTheSimulatedValues) {
  const char* formats[] = {"int4", "int4-mse", "int4-aciq-laplace", "int4-p99.9", "int4-asym-p99", "int3-chan-mse",
                           "int4-asym-g64", "int8-chan", "int8-asym-chan", "int2-g128", "int5-g32", "int4-g48",
                           "q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "fp16", "bf16"};
  for (const char* name : formats) {
    const Format f = parse_format(name);
    for (auto [rows, cols] : {std::pair<int64_t, int64_t>{7, 160}, {33, 96}, {300, 256}}) {
      const auto w = random_matrix(rows, cols, uint32_t(rows * cols));
      const auto q = QuantizedMatrix::encode(f, w.data(), rows, cols);
      EXPECT_TRUE(same_bits(expand(*q), fake_quantize(f, w, rows, cols))) << name << " " << rows << "x" << cols;
    }
  }
}

TEST(QuantizedMatrix, OddColumnsAndPartialGroups) {
  for (const char* name : {"int4-g16", "int3-g7", "int4-chan", "int4", "int6-asym-g10"}) {
    const Format f = parse_format(name);
    const auto w = random_matrix(5, 45, 3);
    const auto q = QuantizedMatrix::encode(f, w.data(), 5, 45);
    EXPECT_TRUE(same_bits(expand(*q), fake_quantize(f, w, 5, 45))) << name;
  }
}

TEST(QuantizedMatrix, RowRangesAgreeWithTheWholeMatrix) {
  const Format f = parse_format("int4-g32");
  const auto w = random_matrix(40, 64, 9);
  const auto q = QuantizedMatrix::encode(f, w.data(), 40, 64);
  const auto all = expand(*q);
  std::vector<float> part(size_t(7 * 64));
  q->decode_rows(11, 7, part.data());
  EXPECT_EQ(0, std::memcmp(part.data(), all.data() + 11 * 64, part.size() * sizeof(float)));
  EXPECT_THROW(q->decode_rows(35, 6, part.data()), Error);
}

TEST(QuantizedMatrix, PatchesReplaceExactlyTheirElements) {
  const Format f = parse_format("int4-chan");
  const auto w = random_matrix(6, 50, 4);
  const auto q = QuantizedMatrix::encode(f, w.data(), 6, 50);
  auto expected = fake_quantize(f, w, 6, 50);
  const std::vector<uint32_t> idx = {0, 49, 50, 123, 299};
  std::vector<float> val;
  for (uint32_t i : idx) {
    val.push_back(w[i]);
    expected[i] = w[i];
  }
  q->set_patches(idx, val);
  EXPECT_TRUE(same_bits(expand(*q), expected));
  EXPECT_THROW(q->set_patches({3, 2}, {1.f, 2.f}), Error);
  EXPECT_THROW(q->set_patches({300}, {1.f}), Error);
}

TEST(QuantizedMatrix, HoldsAboutTheFormatsSize) {
  const int64_t R = 256, C = 512;
  const auto w = random_matrix(R, C, 5);
  // int4-g128: codes at 4 bits, one f32 scale + int16 zero per 128 weights.
  EXPECT_EQ(QuantizedMatrix::encode(parse_format("int4-g128"), w.data(), R, C)->bytes(),
            size_t(R * C / 2 + R * (C / 128) * 6));
  EXPECT_EQ(QuantizedMatrix::encode(parse_format("int8-chan"), w.data(), R, C)->bytes(), size_t(R * C + R * 6));
  EXPECT_EQ(QuantizedMatrix::encode(parse_format("q4_0"), w.data(), R, C)->bytes(), size_t(R * C / 32 * 18));
  EXPECT_EQ(QuantizedMatrix::encode(parse_format("fp16"), w.data(), R, C)->bytes(), size_t(R * C * 2));
  EXPECT_THROW(QuantizedMatrix::encode(parse_format("fp32"), w.data(), R, C), Error);
}

TEST(QuantizedMatrix, LinearReadsItLikeTheDequantizedMatrix) {
  const int64_t M = 9, N = 70, K = 128;
  const auto w = random_matrix(N, K, 6);
  const Format f = parse_format("int4-g32");
  const auto q = QuantizedMatrix::encode(f, w.data(), N, K);
  const auto deq = fake_quantize(f, w, N, K);
  const auto x = random_matrix(M, K, 7);
  std::vector<float> bias(size_t(N), 0.5f), y1(size_t(M * N)), y2(size_t(M * N)), y3(size_t(M * N));
  MatrixRef dense{deq.data(), DType::F32, N, K, false};
  MatrixRef packed;
  packed.decoder = q.get();
  packed.out = N;
  packed.in = K;
  LinearScratch scratch;
  linear(x.data(), M, dense, bias.data(), y1.data(), scratch);
  linear(x.data(), M, packed, bias.data(), y2.data(), scratch);
  linear_reference(x.data(), M, packed, bias.data(), y3.data());
  for (size_t i = 0; i < y1.size(); ++i) {
    EXPECT_NEAR(y1[i], y2[i], 1e-6f * (1 + std::fabs(y1[i])));
    EXPECT_NEAR(y1[i], y3[i], 1e-5f * (1 + std::fabs(y1[i])));
  }
}

}  // namespace
}  // namespace lq::quant
