// Packed-segment attention against a naive implementation written here (explicit score and
// softmax matrices in double): several segments of different lengths in one batch, causal and
// bidirectional, grouped-query heads, ALiBi slopes, scale, strided (fused QKV) rows, and
// bit-identical output with 1 and 2 OpenMP threads.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/attention.h"

namespace lq {
namespace {

// q, k and v in one fused buffer per row, like GPT-2's c_attn output: [q heads | k | v | pad].
struct Packed {
  int64_t rows = 0, stride = 0;
  int n_head = 0, n_head_kv = 0, hd = 0;
  std::vector<float> buf;
  const float* q() const { return buf.data(); }
  const float* k() const { return buf.data() + int64_t(n_head) * hd; }
  const float* v() const { return buf.data() + int64_t(n_head + n_head_kv) * hd; }
};

Packed make_packed(int64_t rows, int n_head, int n_head_kv, int hd, uint32_t seed) {
  Packed p;
  p.rows = rows;
  p.n_head = n_head;
  p.n_head_kv = n_head_kv;
  p.hd = hd;
  p.stride = int64_t(n_head + 2 * n_head_kv) * hd + 3;  // 3 floats of padding per row
  p.buf.resize(static_cast<size_t>(rows * p.stride));
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  for (auto& x : p.buf) x = nd(rng);
  return p;
}

// Naive reference: for each segment and head, the full score matrix with -inf where masked,
// a row softmax, then P V. Returns [rows, n_head * hd]; rows outside segments stay NaN.
std::vector<double> naive_attention(const Packed& p, const std::vector<Segment>& segs,
                                    const AttentionShape& s) {
  const int hd = s.head_dim;
  const int64_t out_stride = int64_t(s.n_head) * hd;
  std::vector<double> out(static_cast<size_t>(p.rows * out_stride), std::nan(""));
  for (const Segment& seg : segs) {
    const int64_t L = seg.length;
    for (int h = 0; h < s.n_head; ++h) {
      const int hk = h / (s.n_head / s.n_head_kv);
      const double slope = s.alibi_slopes ? s.alibi_slopes[h] : 0.0;
      std::vector<std::vector<double>> S(L, std::vector<double>(L, -INFINITY));
      for (int64_t i = 0; i < L; ++i)
        for (int64_t j = 0; j < L; ++j) {
          if (s.causal && j > i) continue;
          if (s.causal && s.window > 0 && j <= i - s.window) continue;  // outside the sliding window
          const float* qi = p.q() + (seg.start + i) * p.stride + int64_t(h) * hd;
          const float* kj = p.k() + (seg.start + j) * p.stride + int64_t(hk) * hd;
          double dot = 0;
          for (int d = 0; d < hd; ++d) dot += double(qi[d]) * kj[d];
          S[i][j] = dot * s.scale + slope * double(j - i);
        }
      for (int64_t i = 0; i < L; ++i) {
        double mx = -INFINITY, sum = 0;
        for (int64_t j = 0; j < L; ++j) mx = std::max(mx, S[i][j]);
        for (int64_t j = 0; j < L; ++j) sum += (S[i][j] = std::exp(S[i][j] - mx));
        for (int64_t j = 0; j < L; ++j) S[i][j] /= sum;
        double* oi = out.data() + (seg.start + i) * out_stride + int64_t(h) * hd;
        for (int d = 0; d < hd; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < L; ++j)
            acc += S[i][j] * p.v()[(seg.start + j) * p.stride + int64_t(hk) * hd + d];
          oi[d] = acc;
        }
      }
    }
  }
  return out;
}

std::vector<float> run_attention(const Packed& p, const std::vector<Segment>& segs, const AttentionShape& s) {
  std::vector<float> out(static_cast<size_t>(p.rows * s.n_head * s.head_dim), std::nanf(""));
  attention(p.q(), p.stride, p.k(), p.stride, p.v(), p.stride, segs, s, out.data());
  return out;
}

std::vector<Segment> packed_segments(const std::vector<int64_t>& lengths) {
  std::vector<Segment> segs;
  int64_t start = 0;
  for (int64_t L : lengths) {
    segs.push_back({start, L});
    start += L;
  }
  return segs;
}

void expect_matches_naive(const Packed& p, const std::vector<Segment>& segs, const AttentionShape& s) {
  const auto got = run_attention(p, segs, s);
  const auto ref = naive_attention(p, segs, s);
  int bad = 0;
  for (size_t i = 0; i < got.size() && bad < 10; ++i) {
    if (std::isnan(ref[i])) continue;  // row outside every segment
    if (!(std::fabs(got[i] - ref[i]) <= 2e-5 * (1 + std::fabs(ref[i])))) {
      ++bad;
      ADD_FAILURE() << "out[" << i / (s.n_head * s.head_dim) << "][" << i % (s.n_head * s.head_dim)
                    << "] = " << got[i] << ", naive " << ref[i];
    }
  }
}

AttentionShape shape(int n_head, int n_head_kv, int hd, bool causal, const float* slopes = nullptr) {
  AttentionShape s;
  s.n_head = n_head;
  s.n_head_kv = n_head_kv;
  s.head_dim = hd;
  s.scale = 1.0f / std::sqrt(static_cast<float>(hd));
  s.causal = causal;
  s.alibi_slopes = slopes;
  return s;
}

const std::vector<int64_t> kLengths = {5, 1, 9, 3, 12};  // 30 rows

TEST(Attention, CausalPackedSegments) {
  const auto segs = packed_segments(kLengths);
  const Packed p = make_packed(30, 4, 4, 8, 1);
  expect_matches_naive(p, segs, shape(4, 4, 8, true));
}

TEST(Attention, BidirectionalPackedSegments) {
  const auto segs = packed_segments(kLengths);
  const Packed p = make_packed(30, 3, 3, 5, 2);
  expect_matches_naive(p, segs, shape(3, 3, 5, false));
}

TEST(Attention, GroupedQueryHeads) {
  const auto segs = packed_segments(kLengths);
  for (bool causal : {true, false}) {
    const Packed p = make_packed(30, 8, 2, 4, 3);  // 4 query heads per kv head
    expect_matches_naive(p, segs, shape(8, 2, 4, causal));
    const Packed p1 = make_packed(30, 6, 1, 7, 4);  // multi-query
    expect_matches_naive(p1, segs, shape(6, 1, 7, causal));
  }
}

TEST(Attention, AlibiSlopes) {
  const auto segs = packed_segments(kLengths);
  // Steep slopes so that the bias visibly changes the weights (BLOOM uses 2^(-8h/n)).
  const std::vector<float> slopes = {1.0f, 0.5f, 0.25f, 0.0625f};
  for (bool causal : {true, false}) {
    const Packed p = make_packed(30, 4, 2, 6, 5);
    expect_matches_naive(p, segs, shape(4, 2, 6, causal, slopes.data()));
    // And the slopes matter: without them the result differs.
    const auto with = run_attention(p, segs, shape(4, 2, 6, causal, slopes.data()));
    const auto without = run_attention(p, segs, shape(4, 2, 6, causal));
    double diff = 0;
    for (size_t i = 0; i < with.size(); ++i) diff = std::max(diff, double(std::fabs(with[i] - without[i])));
    EXPECT_GT(diff, 1e-2);
  }
}

TEST(Attention, SlidingWindow) {
  const auto segs = packed_segments(kLengths);
  const Packed p = make_packed(30, 4, 2, 8, 9);
  for (int64_t window : {1, 2, 4, 100}) {
    AttentionShape s = shape(4, 2, 8, true);
    s.window = window;
    expect_matches_naive(p, segs, s);
  }
  // Window 1: each row attends only to itself, so its output is its own v row.
  AttentionShape s = shape(4, 2, 8, true);
  s.window = 1;
  const auto out = run_attention(p, segs, s);
  for (int64_t r = 0; r < 30; ++r)
    for (int h = 0; h < 4; ++h)
      for (int d = 0; d < 8; ++d) EXPECT_FLOAT_EQ(out[r * 32 + h * 8 + d], p.v()[r * p.stride + (h / 2) * 8 + d]);
}

TEST(Attention, Scale) {
  const auto segs = packed_segments(kLengths);
  const Packed p = make_packed(30, 2, 2, 8, 6);
  for (float scale : {0.0f, 0.125f, 1.0f, 3.0f}) {
    AttentionShape s = shape(2, 2, 8, true);
    s.scale = scale;
    expect_matches_naive(p, segs, s);
  }
  // scale 0, bidirectional: every row is the mean of its segment's v rows.
  AttentionShape s = shape(2, 2, 8, false);
  s.scale = 0.0f;
  const auto out = run_attention(p, segs, s);
  const Segment seg = segs[2];
  for (int d = 0; d < 16; ++d) {
    double mean = 0;
    for (int64_t j = 0; j < seg.length; ++j) mean += p.v()[(seg.start + j) * p.stride + d];
    mean /= double(seg.length);
    for (int64_t i = 0; i < seg.length; ++i) EXPECT_NEAR(out[(seg.start + i) * 16 + d], mean, 1e-5);
  }
}

TEST(Attention, RowsDoNotSeeOtherSegments) {
  const auto segs = packed_segments(kLengths);
  for (bool causal : {true, false}) {
    Packed p = make_packed(30, 4, 2, 8, 7);
    const auto s = shape(4, 2, 8, causal);
    const auto before = run_attention(p, segs, s);
    // Overwrite every row of segment 2 (rows 6..14) with large values; the other segments'
    // outputs must not change by a single bit.
    for (int64_t r = segs[2].start; r < segs[2].start + segs[2].length; ++r)
      for (int64_t c = 0; c < p.stride; ++c) p.buf[r * p.stride + c] = 50.0f + float(c);
    const auto after = run_attention(p, segs, s);
    const int64_t W = 4 * 8;
    for (size_t si = 0; si < segs.size(); ++si) {
      if (si == 2) continue;
      for (int64_t r = segs[si].start; r < segs[si].start + segs[si].length; ++r)
        EXPECT_EQ(0, std::memcmp(&before[r * W], &after[r * W], W * sizeof(float)))
            << "segment " << si << " row " << r;
    }
  }
}

TEST(Attention, SegmentsNeedNotCoverTheBatchInOrder) {
  // Segments listed out of order with a gap row between them; gap rows are left untouched.
  const std::vector<Segment> segs = {{10, 4}, {0, 6}, {7, 3}};
  const Packed p = make_packed(14, 2, 1, 4, 8);
  const auto s = shape(2, 1, 4, true);
  expect_matches_naive(p, segs, s);
  const auto out = run_attention(p, segs, s);
  for (int d = 0; d < 8; ++d) EXPECT_TRUE(std::isnan(out[6 * 8 + d]));
}

TEST(Attention, LengthOneSegmentCopiesV) {
  const Packed p = make_packed(1, 2, 2, 3, 9);
  for (bool causal : {true, false}) {
    const auto out = run_attention(p, {{0, 1}}, shape(2, 2, 3, causal));
    for (int d = 0; d < 6; ++d) EXPECT_FLOAT_EQ(out[d], p.v()[d]);
  }
}

TEST(Attention, IdenticalWithOneAndTwoThreads) {
  const std::vector<int64_t> lengths = {17, 3, 40, 1, 25, 8};
  const auto segs = packed_segments(lengths);
  const std::vector<float> slopes = {0.5f, 0.25f, 0.125f, 0.0625f, 0.03125f, 0.015625f};
  const Packed p = make_packed(94, 6, 2, 16, 10);
  for (bool causal : {true, false}) {
    const auto s = shape(6, 2, 16, causal, slopes.data());
    std::vector<float> out[2];
    const int before = omp_get_max_threads();
    for (int t = 0; t < 2; ++t) {
      omp_set_num_threads(t + 1);
      out[t] = run_attention(p, segs, s);
    }
    omp_set_num_threads(before);
    EXPECT_EQ(0, std::memcmp(out[0].data(), out[1].data(), out[0].size() * sizeof(float)));
    expect_matches_naive(p, segs, s);
  }
}

// The kernel works in tiles of 4 query rows x 32 keys and 16 head dimensions (issue 12): long
// segments that span many tiles and end mid-tile, a head_dim with a remainder past the last
// 16 (72 = 4 x 16 + 8), a sliding window that starts keys mid-tile, and the result unchanged when
// the same segment sits at another offset of the batch beside other segments.
TEST(Attention, LongSegmentsAcrossTiles) {
  const std::vector<int64_t> lengths = {131, 70, 33};
  const auto segs = packed_segments(lengths);
  const Packed p = make_packed(234, 4, 2, 72, 11);
  for (bool causal : {true, false}) expect_matches_naive(p, segs, shape(4, 2, 72, causal));
  AttentionShape s = shape(4, 2, 72, true);
  s.window = 45;
  expect_matches_naive(p, segs, s);
  // The 70-row segment alone, at the start of its own batch: bit-identical rows.
  Packed alone = make_packed(70, 4, 2, 72, 12);
  std::copy_n(p.buf.begin() + 131 * p.stride, 70 * p.stride, alone.buf.begin());
  const auto packed = run_attention(p, segs, shape(4, 2, 72, true));
  const auto single = run_attention(alone, {Segment{0, 70}}, shape(4, 2, 72, true));
  EXPECT_EQ(0, std::memcmp(single.data(), packed.data() + 131 * 4 * 72, single.size() * sizeof(float)));
}

}  // namespace
}  // namespace lq
