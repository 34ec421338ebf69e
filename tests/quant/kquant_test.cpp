// K-quant and IQ4 writers (quant/kquants*.cpp through quant/ggml_blocks.h): properties that
// follow from the formats' definitions and ggml's arithmetic. Byte-exactness with ggml itself
// is tests/oracle/test_kquant_exact.py's (llama-cpp-python's libggml through ctypes).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "quant/format.h"
#include "quant/ggml_blocks.h"
#include "quant/kquants_search.h"
#include "quant/quantized_matrix.h"
#include "quant/simulate.h"

namespace lq::quant::ggml {
namespace {

using Bytes = std::vector<uint8_t>;

const BlockType kSearched[] = {BlockType::Q2_K, BlockType::Q3_K, BlockType::Q4_K, BlockType::Q5_K,
                               BlockType::Q6_K, BlockType::IQ4_NL, BlockType::IQ4_XS};
const BlockType kAll[] = {BlockType::Q2_K, BlockType::Q3_K, BlockType::Q4_K, BlockType::Q5_K, BlockType::Q6_K,
                          BlockType::IQ4_NL, BlockType::IQ4_XS, BlockType::Q4_0, BlockType::Q4_1,
                          BlockType::Q5_0, BlockType::Q5_1, BlockType::Q8_0};

// Byte offsets of each block's f16 fields (ggml-common.h's block_* structs).
std::vector<int> f16_fields(BlockType t) {
  switch (t) {
    case BlockType::Q2_K: return {80, 82};
    case BlockType::Q3_K: return {108};
    case BlockType::Q6_K: return {208};
    case BlockType::Q4_K:
    case BlockType::Q5_K:
    case BlockType::Q4_1:
    case BlockType::Q5_1: return {0, 2};
    default: return {0};
  }
}

std::vector<float> gaussian(size_t n, float sigma, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, sigma);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// An imatrix-like importance vector: positive, spread over orders of magnitude.
std::vector<float> importance(size_t n, uint32_t seed) {
  std::vector<float> w = gaussian(n, 1.5f, seed);
  for (float& x : w) x = std::exp(x);
  return w;
}

std::vector<float> expand(BlockType t, const Bytes& b, int64_t n) {
  std::vector<float> y(static_cast<size_t>(n));
  dequantize_row(t, b.data(), y.data(), n);
  return y;
}

double rel_rmse(const std::vector<float>& x, const std::vector<float>& y) {
  double e = 0, s = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    e += double(x[i] - y[i]) * double(x[i] - y[i]);
    s += double(x[i]) * double(x[i]);
  }
  return std::sqrt(e / s);
}

TEST(KQuant, SizesAndNames) {
  const struct { BlockType t; int64_t weights; size_t bytes; const char* name; } cases[] = {
      {BlockType::Q2_K, 256, 84, "q2_k"},    {BlockType::Q3_K, 256, 110, "q3_k"},
      {BlockType::Q4_K, 256, 144, "q4_k"},   {BlockType::Q5_K, 256, 176, "q5_k"},
      {BlockType::Q6_K, 256, 210, "q6_k"},   {BlockType::IQ4_NL, 32, 18, "iq4_nl"},
      {BlockType::IQ4_XS, 256, 136, "iq4_xs"}};
  for (const auto& c : cases) {
    EXPECT_EQ(block_weights(c.t), c.weights) << c.name;
    EXPECT_EQ(block_bytes(c.t), c.bytes) << c.name;
    EXPECT_EQ(row_bytes(c.t, 1024), c.bytes * size_t(1024 / c.weights)) << c.name;
    const Format f = parse_format(c.name);
    EXPECT_EQ(block_type_of(f.kind), c.t);
    EXPECT_EQ(canonical_name(f), c.name);
    EXPECT_EQ(ggml_block_weights(f.kind), c.weights);
    // Bits per weight: the block's bytes over its weights (q4_k 4.5, iq4_xs 4.25, q2_k 2.625).
    EXPECT_DOUBLE_EQ(bits_per_weight(f, 3, 1024), 8.0 * double(c.bytes) / double(c.weights)) << c.name;
  }
  EXPECT_EQ(parse_format("q4_K"), parse_format("q4_k"));  // ggml's and llama.cpp's spellings
  EXPECT_EQ(parse_format("Q6_K").kind, Kind::Q6_K);
  EXPECT_EQ(parse_format("IQ4_XS").kind, Kind::IQ4_XS);
}

TEST(KQuant, RowsThatAreNotWholeSuperBlocksAreRefused) {
  const std::vector<float> x(640, 1.0f);  // Gemma 3 270M's width: 2.5 super-blocks
  for (BlockType t : {BlockType::Q2_K, BlockType::Q4_K, BlockType::Q6_K, BlockType::IQ4_XS}) {
    try {
      quantize_row(t, x.data(), 640);
      ADD_FAILURE() << block_name(t) << " accepted 640 weights";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find(block_name(t)), std::string::npos) << m;
      EXPECT_NE(m.find("256"), std::string::npos) << m;
      EXPECT_NE(m.find("640"), std::string::npos) << m;
    }
  }
  EXPECT_EQ(quantize_row(BlockType::IQ4_NL, x.data(), 640).size(), 20u * 18u);  // 32-weight blocks
  const Format q4k = parse_format("q4_k");
  EXPECT_THROW(stored_bytes(q4k, 4, 640), Error);
  EXPECT_THROW(QuantizedMatrix::encode(q4k, x.data(), 1, 640), Error);
  EXPECT_THROW(fake_quantize(q4k, x, 1, 640), Error);
}

// Every search starts from the block's own range, so an all-zero row decodes to zeros and a
// Q6_K zero block is all zero bytes (ggml clears it).
TEST(KQuant, ZeroRowsDecodeToZero) {
  const std::vector<float> x(512, 0.0f);
  const std::vector<float> qw = importance(512, 1);
  for (BlockType t : kAll)
    for (const float* w : {static_cast<const float*>(nullptr), qw.data()}) {
      const Bytes b = quantize_row(t, x.data(), 512, w);
      for (float v : expand(t, b, 512)) ASSERT_EQ(v, 0.0f) << block_name(t);
    }
  for (uint8_t byte : quantize_row(BlockType::Q6_K, x.data(), 512)) ASSERT_EQ(byte, 0);
}

// The error of each type on Gaussian weights, bounded a little above what ggml's writers give
// (these rows: q2_k 0.297, q3_k 0.151, q4_k 0.072, q5_k 0.036, q6_k 0.018, iq4 0.077), and
// ordered by bits.
TEST(KQuant, RoundTripErrorIsBoundedAndFallsWithBits) {
  const int64_t n = 64 * 1024;
  const std::vector<float> x = gaussian(size_t(n), 0.02f, 11);
  const struct { BlockType t; double bound; } cases[] = {
      {BlockType::Q2_K, 0.32}, {BlockType::Q3_K, 0.17}, {BlockType::Q4_K, 0.08}, {BlockType::Q5_K, 0.04},
      {BlockType::Q6_K, 0.02}, {BlockType::IQ4_NL, 0.085}, {BlockType::IQ4_XS, 0.085}};
  double previous = 1.0;
  for (const auto& c : cases) {
    const double e = rel_rmse(x, expand(c.t, quantize_row(c.t, x.data(), n), n));
    EXPECT_LT(e, c.bound) << block_name(c.t);
    if (c.t != BlockType::IQ4_NL && c.t != BlockType::IQ4_XS) {
      EXPECT_LT(e, previous * 0.6) << block_name(c.t) << " is not much better than one bit less";
      previous = e;
    }
  }
}

// Importance weights make the search minimise the weighted error: on the same rows the
// importance-weighted squared error drops for every type that uses them (Q8_0 ignores them).
TEST(KQuant, ImportanceWeightsLowerTheWeightedError) {
  const int64_t cols = 4096, rows = 16;
  const std::vector<float> x = gaussian(size_t(cols * rows), 0.02f, 5);
  const std::vector<float> qw = importance(size_t(cols), 6);
  for (BlockType t : kAll) {
    double plain = 0, weighted = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x.data() + r * cols;
      const std::vector<float> a = expand(t, quantize_row(t, xr, cols), cols);
      const std::vector<float> b = expand(t, quantize_row(t, xr, cols, qw.data()), cols);
      for (int64_t c = 0; c < cols; ++c) {
        plain += qw[size_t(c)] * double(xr[c] - a[size_t(c)]) * double(xr[c] - a[size_t(c)]);
        weighted += qw[size_t(c)] * double(xr[c] - b[size_t(c)]) * double(xr[c] - b[size_t(c)]);
      }
    }
    if (t == BlockType::Q8_0) EXPECT_EQ(weighted, plain);
    else EXPECT_LT(weighted, 0.9 * plain) << block_name(t);
  }
}

// Scaling the input by a power of two scales every step of ggml's searches exactly (sums,
// square roots, least-squares scales; all comparisons are homogeneous), so the codes are the
// same bytes and each f16 scale field is exactly 2^k times the original; scaling the
// importance weights by 2^k changes nothing at all.
TEST(KQuant, PowerOfTwoScalingIsExact) {
  const int64_t n = 2048;
  const std::vector<float> x = gaussian(size_t(n), 1.0f, 21);
  const std::vector<float> qw = importance(size_t(n), 22);
  for (BlockType t : kAll)
    for (int k : {-3, -1, 2}) {
      const float s = std::ldexp(1.0f, k);
      std::vector<float> xs(x), qws(qw);
      for (float& v : xs) v *= s;
      for (float& v : qws) v *= s;
      for (bool weighted : {false, true}) {
        const float* w = weighted ? qw.data() : nullptr;
        const Bytes a = quantize_row(t, x.data(), n, w);
        const Bytes b = quantize_row(t, xs.data(), n, w);
        ASSERT_EQ(a.size(), b.size());
        const size_t bb = block_bytes(t);
        const std::vector<int> fields = f16_fields(t);
        for (size_t i = 0; i < a.size(); ++i) {
          const int at = int(i % bb);
          bool is_f16 = false;
          for (int f : fields) is_f16 |= at == f || at == f + 1;
          if (is_f16) continue;
          ASSERT_EQ(a[i], b[i]) << block_name(t) << " 2^" << k << " byte " << i << (weighted ? " (weighted)" : "");
        }
        for (size_t blk = 0; blk < a.size() / bb; ++blk)
          for (int f : fields) {
            const size_t o = blk * bb + size_t(f);
            const float va = f16_to_f32(uint16_t(a[o] | a[o + 1] << 8)), vb = f16_to_f32(uint16_t(b[o] | b[o + 1] << 8));
            ASSERT_EQ(vb, va * s) << block_name(t) << " 2^" << k << " block " << blk << " field " << f;
          }
        if (weighted) {
          EXPECT_EQ(quantize_row(t, x.data(), n, qws.data()), a) << block_name(t);
        }
      }
    }
}

// Re-quantizing dequantized values: the closed-form 32-weight writers (scale from the block's
// extremes) reproduce their bytes exactly. The K-quant and IQ4 searches do not promise it (a
// grid point's least-squares refit can move the scale), measured over 64 rows of 4096 Gaussian
// weights: blocks unchanged q2_k 98%, q3_k 54%, q4_k 100%, q5_k 90%, q6_k 81%, iq4_nl 99%,
// iq4_xs 94%; so for them a second round trip must only stay as accurate as the first.
TEST(KQuant, RequantizingDequantizedValues) {
  const int64_t n = 16 * 1024;
  const std::vector<float> x = gaussian(size_t(n), 0.02f, 31);
  for (BlockType t : {BlockType::Q4_0, BlockType::Q4_1, BlockType::Q5_0, BlockType::Q5_1, BlockType::Q8_0}) {
    const Bytes a = quantize_row(t, x.data(), n);
    const std::vector<float> y = expand(t, a, n);
    EXPECT_EQ(quantize_row(t, y.data(), n), a) << block_name(t);
  }
  for (BlockType t : kSearched) {
    const std::vector<float> y = expand(t, quantize_row(t, x.data(), n), n);
    const std::vector<float> z = expand(t, quantize_row(t, y.data(), n), n);
    EXPECT_LE(rel_rmse(y, z), 0.5 * rel_rmse(x, y)) << block_name(t);
  }
}

// IQ4_NL: the reference writer skips the scale search that ggml_quantize_chunk runs, so the two
// differ in general, while each decodes to grid values times its scale.
TEST(KQuant, Iq4nlReferenceAndChunkPaths) {
  const int64_t n = 1024;
  const std::vector<float> x = gaussian(size_t(n), 1.0f, 41);
  Bytes ref(row_bytes(BlockType::IQ4_NL, n));
  quantize_row_reference_into(BlockType::IQ4_NL, x.data(), n, ref.data());
  const Bytes chunk = quantize_row(BlockType::IQ4_NL, x.data(), n);
  EXPECT_NE(ref, chunk);
  EXPECT_LE(rel_rmse(x, expand(BlockType::IQ4_NL, chunk, n)), rel_rmse(x, expand(BlockType::IQ4_NL, ref, n)));
  for (BlockType t : kSearched) {
    if (t == BlockType::IQ4_NL) continue;
    Bytes r(row_bytes(t, n));
    quantize_row_reference_into(t, x.data(), n, r.data());
    EXPECT_EQ(r, quantize_row(t, x.data(), n)) << block_name(t);
  }
}

// The branch-free IQ4 grid search against ggml's bisection as ggml-quants.c writes it
// (best_index_int8): clamp outside the grid, bisect, then compare the two f32 distances. Checked
// on the floats around every grid value and every midpoint (where rounding decides), random
// floats over the grid's range and beyond, and the special values.
int bisection_index(float x) {
  const float* g = search::kIq4Grid;
  if (x <= g[0]) return 0;
  if (x >= g[15]) return 15;
  int lo = 0, hi = 15;
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (x < g[mid]) hi = mid;
    else lo = mid;
  }
  return x - g[hi - 1] < g[hi] - x ? hi - 1 : hi;
}

TEST(KQuant, Iq4GridSearchIsGgmlsBisection) {
  std::vector<float> xs = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, 3.4e38f, -3.4e38f, 1e-45f, -1e-45f};
  std::vector<float> anchors;
  for (int i = 0; i < 16; ++i) {
    anchors.push_back(search::kIq4Grid[i]);
    if (i > 0) anchors.push_back(0.5f * (search::kIq4Grid[i - 1] + search::kIq4Grid[i]));
  }
  for (float a : anchors) {
    float up = a, down = a;
    for (int k = 0; k < 2000; ++k) {
      xs.push_back(up);
      xs.push_back(down);
      up = std::nextafter(up, INFINITY);
      down = std::nextafter(down, -INFINITY);
    }
  }
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> wide(-300.0f, 300.0f);
  for (int k = 0; k < 200000; ++k) xs.push_back(wide(rng));
  for (float x : xs) ASSERT_EQ(search::nearest_iq4_index(x), bisection_index(x)) << x;
}

}  // namespace
}  // namespace lq::quant::ggml

namespace lq::quant {
namespace {

// Plans hold K-quant matrices as their blocks: expanding them is what the simulator gives, the
// blocks are quantize_row's (with the matrix's importance row, when given), and the size is
// the format's.
TEST(KQuantMatrix, BlocksExpandAsTheSimulatorAndCarryImportance) {
  const int64_t rows = 6, cols = 768;
  std::mt19937 rng(3);
  std::normal_distribution<float> d(0.0f, 0.05f);
  std::vector<float> w(static_cast<size_t>(rows * cols)), qw(static_cast<size_t>(cols));
  for (float& v : w) v = d(rng);
  for (float& v : qw) v = std::exp(d(rng) * 20.0f);
  for (const char* name : {"q2_k", "q3_k", "q4_k", "q5_k", "q6_k", "iq4_nl", "iq4_xs"}) {
    const Format f = parse_format(name);
    const auto t = ggml::block_type_of(f.kind);
    const auto plain = QuantizedMatrix::encode(f, w.data(), rows, cols);
    const auto weighted = QuantizedMatrix::encode(f, w.data(), rows, cols, qw.data());
    EXPECT_EQ(plain->bytes(), stored_bytes(f, rows, cols)) << name;
    std::vector<float> out(w.size());
    plain->decode_rows(0, rows, out.data());
    EXPECT_EQ(out, fake_quantize(f, w, rows, cols)) << name;
    for (int64_t r = 0; r < rows; ++r) {
      const ggml::Bytes a = ggml::quantize_row(t, w.data() + r * cols, cols);
      const ggml::Bytes b = ggml::quantize_row(t, w.data() + r * cols, cols, qw.data());
      ASSERT_EQ(0, std::memcmp(plain->row_blocks(r), a.data(), a.size())) << name << " row " << r;
      ASSERT_EQ(0, std::memcmp(weighted->row_blocks(r), b.data(), b.size())) << name << " row " << r;
    }
  }
  EXPECT_THROW(QuantizedMatrix::encode(parse_format("int4-g128"), w.data(), rows, cols, qw.data()), Error);
}

}  // namespace
}  // namespace lq::quant
