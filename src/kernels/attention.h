// Scaled dot-product attention over packed sequences: many sentences (segments) share one
// batch of rows, and a row attends only inside its own segment, so short sentences are scored
// together at full GEMM efficiency elsewhere in the layer.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

namespace lq {

struct Segment {
  int64_t start = 0, length = 0;  // rows [start, start + length) of the batch
};

// The attention weights of one query row and head, as the kernel used them (attention sinks).
struct AttentionRow {
  int64_t row = 0;       // batch row of the query
  int64_t position = 0;  // the query's position inside its segment
  int64_t segment = 0;   // index into the segments
  int head = 0;
  const float* p = nullptr;    // p[j]: weight on the key at segment position j, j in [first, end)
  int64_t first = 0, end = 0;  // the keys the row sees (causal: end = position + 1)
};
// Called from worker threads, once per (row, head); it must only touch state of its own row.
using AttentionRowObserver = std::function<void(const AttentionRow&)>;

struct AttentionShape {
  int n_head = 1, n_head_kv = 1, head_dim = 1;
  float scale = 1.0f;                  // multiplies q.k
  bool causal = true;
  const float* alibi_slopes = nullptr; // per head; adds slope * (j - i) to score(i, j) if set
  int64_t window = 0;                  // causal only, > 0: row i sees keys i - window + 1 .. i
  float softcap = 0;                   // > 0: score = softcap * tanh(score / softcap) (Gemma 2)
  const AttentionRowObserver* observe = nullptr;  // set: sees every row's weights (no effect on out)
};

// q rows hold n_head heads, k and v rows n_head_kv heads (grouped-query when fewer), each
// head_dim wide, at the given row strides. out is [M, n_head * head_dim].
void attention(const float* q, int64_t q_stride, const float* k, int64_t k_stride, const float* v,
               int64_t v_stride, const std::vector<Segment>& segments, const AttentionShape& s,
               float* out);

}  // namespace lq
