#include "kernels/attention.h"

#include <algorithm>
#include <cmath>

namespace lq {

void attention(const float* q, int64_t q_stride, const float* k, int64_t k_stride, const float* v,
               int64_t v_stride, const std::vector<Segment>& segments, const AttentionShape& s,
               float* out) {
  const int hd = s.head_dim;
  const int group = s.n_head / s.n_head_kv;
  const int64_t out_stride = static_cast<int64_t>(s.n_head) * hd;
  const int64_t tasks = static_cast<int64_t>(segments.size()) * s.n_head;
#pragma omp parallel
  {
    std::vector<float> scores, probs;
#pragma omp for schedule(dynamic, 1)
    for (int64_t t = 0; t < tasks; ++t) {
      const Segment& seg = segments[t / s.n_head];
      const int h = static_cast<int>(t % s.n_head);
      const int hk = h / group;
      const float slope = s.alibi_slopes ? s.alibi_slopes[h] : 0.0f;
      scores.resize(static_cast<size_t>(seg.length));
      for (int64_t i = 0; i < seg.length; ++i) {
        const float* qi = q + (seg.start + i) * q_stride + static_cast<int64_t>(h) * hd;
        const int64_t n_keys = s.causal ? i + 1 : seg.length;
        const int64_t first = s.causal && s.window > 0 ? std::max<int64_t>(0, i - s.window + 1) : 0;
        float mx = -INFINITY;
        for (int64_t j = first; j < n_keys; ++j) {
          const float* kj = k + (seg.start + j) * k_stride + static_cast<int64_t>(hk) * hd;
          float dot = 0;
#pragma omp simd reduction(+ : dot)
          for (int d = 0; d < hd; ++d) dot += qi[d] * kj[d];
          float sc = dot * s.scale;
          if (s.softcap > 0) sc = s.softcap * std::tanh(sc / s.softcap);
          sc += slope * static_cast<float>(j - i);
          scores[j] = sc;
          mx = std::max(mx, sc);
        }
        float sum = 0;
        for (int64_t j = first; j < n_keys; ++j) {
          scores[j] = std::exp(scores[j] - mx);
          sum += scores[j];
        }
        const float inv = 1.0f / sum;
        float* oi = out + (seg.start + i) * out_stride + static_cast<int64_t>(h) * hd;
        std::fill(oi, oi + hd, 0.0f);
        for (int64_t j = first; j < n_keys; ++j) {
          const float p = scores[j] * inv;
          const float* vj = v + (seg.start + j) * v_stride + static_cast<int64_t>(hk) * hd;
#pragma omp simd
          for (int d = 0; d < hd; ++d) oi[d] += p * vj[d];
        }
        if (s.observe) {  // the same products p as above, kept apart so the output path is unchanged
          probs.resize(static_cast<size_t>(seg.length));
          for (int64_t j = first; j < n_keys; ++j) probs[j] = scores[j] * inv;
          (*s.observe)(AttentionRow{seg.start + i, i, t / s.n_head, h, probs.data(), first, n_keys});
        }
      }
    }
  }
}

}  // namespace lq
