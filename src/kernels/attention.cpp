#include "kernels/attention.h"

#include <algorithm>
#include <cmath>

namespace lq {
namespace {
// Attention as small GEMMs: per (segment, head), blocks of kRows query rows against keys kCols
// at a time. The row-by-row dot products it replaces spent most of their time in horizontal
// reductions (22% of a GPT-2-small stream eval, perf, issue 12); here every score and output
// element is an accumulator in a register tile. Each element is still a plain sum in a fixed
// order (q.k over d ascending, p.v over keys ascending, fused multiply-adds), so results do not
// depend on the thread count or on how segments are packed.
constexpr int kRows = 4;    // query rows per tile
constexpr int kCols = 32;   // keys per score tile (two AVX-512 / four AVX2 vectors)
constexpr int kDims = 16;   // head dimensions per output tile

// Per-thread scratch: the head's keys transposed ([head_dim][keys], so a tile reads keys as
// contiguous vectors) and kRows rows of scores / weights.
struct Scratch {
  std::vector<float> kt, p, zeros;  // zeros: stands in for query rows past the segment's end
  int64_t ld = 0;  // keys per kt row, a multiple of kCols
};

// scores[r][j] = q_r . k_j for j in [j0, j1) (j0 a multiple of kCols; j1 rounded up).
void score_tile(const float* const* q, const float* kt, int64_t ld, int hd, int64_t j0, int64_t j1,
                float* scores, int64_t score_ld) {
  for (int64_t jb = j0; jb < j1; jb += kCols) {
    float acc[kRows][kCols] = {};
    for (int d = 0; d < hd; ++d) {
      const float* kr = kt + d * ld + jb;
      for (int r = 0; r < kRows; ++r) {
        const float qd = q[r][d];
#pragma omp simd
        for (int c = 0; c < kCols; ++c) acc[r][c] = std::fma(qd, kr[c], acc[r][c]);
      }
    }
    for (int r = 0; r < kRows; ++r) std::copy_n(acc[r], kCols, scores + r * score_ld + jb);
  }
}

// out_r[d] = sum_j p[r][j] v_j[d], j ascending over [j0, j1) (zero weights outside a row's keys
// add exact zeros). Rows of out past `rows` are not written.
void value_tile(const float* p, int64_t p_ld, const float* v, int64_t v_stride, int hd, int64_t j0,
                int64_t j1, float* const* out, int rows) {
  int d0 = 0;
  for (; d0 + kDims <= hd; d0 += kDims) {
    float acc[kRows][kDims] = {};
    for (int64_t j = j0; j < j1; ++j) {
      const float* vj = v + j * v_stride + d0;
      for (int r = 0; r < kRows; ++r) {
        const float pr = p[r * p_ld + j];
#pragma omp simd
        for (int c = 0; c < kDims; ++c) acc[r][c] = std::fma(pr, vj[c], acc[r][c]);
      }
    }
    for (int r = 0; r < rows; ++r) std::copy_n(acc[r], kDims, out[r] + d0);
  }
  for (int r = 0; r < rows; ++r)  // head_dim not a multiple of kDims: the last columns plainly
    for (int d = d0; d < hd; ++d) {
      float acc = 0;
      for (int64_t j = j0; j < j1; ++j) acc = std::fma(p[r * p_ld + j], v[j * v_stride + d], acc);
      out[r][d] = acc;
    }
}

void attend_head(const float* q, int64_t q_stride, const float* k, int64_t k_stride, const float* v,
                 int64_t v_stride, const Segment& seg, int64_t seg_index, int h, const AttentionShape& s,
                 float* out, int64_t out_stride, Scratch& w) {
  const int hd = s.head_dim;
  const int hk = h / (s.n_head / s.n_head_kv);
  const float slope = s.alibi_slopes ? s.alibi_slopes[h] : 0.0f;
  const int64_t L = seg.length;
  w.ld = (L + kCols - 1) / kCols * kCols;
  w.kt.assign(static_cast<size_t>(hd * w.ld), 0.0f);
  for (int64_t j = 0; j < L; ++j) {
    const float* kj = k + (seg.start + j) * k_stride + static_cast<int64_t>(hk) * hd;
    for (int d = 0; d < hd; ++d) w.kt[d * w.ld + j] = kj[d];
  }
  w.p.resize(static_cast<size_t>(kRows * w.ld));
  const float* vh = v + seg.start * v_stride + static_cast<int64_t>(hk) * hd;
  w.zeros.assign(static_cast<size_t>(hd), 0.0f);
  for (int64_t i0 = 0; i0 < L; i0 += kRows) {
    const int rows = static_cast<int>(std::min<int64_t>(kRows, L - i0));
    const float* qr[kRows];
    float* orow[kRows];
    for (int r = 0; r < kRows; ++r) {
      const int64_t i = i0 + std::min(r, rows - 1);
      qr[r] = r < rows ? q + (seg.start + i) * q_stride + static_cast<int64_t>(h) * hd : w.zeros.data();
      orow[r] = out + (seg.start + i) * out_stride + static_cast<int64_t>(h) * hd;
    }
    // Keys any row of the tile sees: [first of the first row, end of the last row).
    auto first_of = [&](int64_t i) { return s.causal && s.window > 0 ? std::max<int64_t>(0, i - s.window + 1) : 0; };
    auto end_of = [&](int64_t i) { return s.causal ? i + 1 : L; };
    const int64_t lo = first_of(i0) / kCols * kCols, hi = end_of(i0 + rows - 1);
    score_tile(qr, w.kt.data(), w.ld, hd, lo, (hi + kCols - 1) / kCols * kCols, w.p.data(), w.ld);
    for (int r = 0; r < kRows; ++r) {
      float* pr = w.p.data() + r * w.ld;
      if (r >= rows) {
        std::fill(pr + lo, pr + hi, 0.0f);
        continue;
      }
      const int64_t i = i0 + r, first = first_of(i), n_keys = end_of(i);
      float mx = -INFINITY;
      for (int64_t j = first; j < n_keys; ++j) {
        float sc = pr[j] * s.scale;
        if (s.softcap > 0) sc = s.softcap * std::tanh(sc / s.softcap);
        sc += slope * static_cast<float>(j - i);
        pr[j] = sc;
        mx = std::max(mx, sc);
      }
      float sum = 0;
      for (int64_t j = first; j < n_keys; ++j) {
        pr[j] = std::exp(pr[j] - mx);
        sum += pr[j];
      }
      const float inv = 1.0f / sum;
      for (int64_t j = first; j < n_keys; ++j) pr[j] *= inv;
      std::fill(pr + lo, pr + first, 0.0f);
      std::fill(pr + n_keys, pr + hi, 0.0f);
      if (s.observe) (*s.observe)(AttentionRow{seg.start + i, i, seg_index, h, pr, first, n_keys});
    }
    value_tile(w.p.data(), w.ld, vh, v_stride, hd, lo, hi, orow, rows);
  }
}
}  // namespace

void attention(const float* q, int64_t q_stride, const float* k, int64_t k_stride, const float* v,
               int64_t v_stride, const std::vector<Segment>& segments, const AttentionShape& s,
               float* out) {
  const int64_t out_stride = static_cast<int64_t>(s.n_head) * s.head_dim;
  const int64_t tasks = static_cast<int64_t>(segments.size()) * s.n_head;
#pragma omp parallel
  {
    Scratch w;
#pragma omp for schedule(dynamic, 1)
    for (int64_t t = 0; t < tasks; ++t)
      attend_head(q, q_stride, k, k_stride, v, v_stride, segments[t / s.n_head], t / s.n_head,
                  static_cast<int>(t % s.n_head), s, out, out_stride, w);
  }
}

}  // namespace lq
