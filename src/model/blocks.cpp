#include "model/blocks.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "kernels/linear.h"
#include "kernels/attention.h"
#include "kernels/ops.h"
#include "kernels/rope.h"
#include "formats/model_config.h"
#include "model/hf_config.h"
#include "model/model.h"

namespace lq {

void check_positions(const Model& m, const Batch& b, const std::string& context_key) {
  const int64_t n_ctx = m.hparams().n_ctx;
  for (int32_t p : b.positions)
    if (p >= n_ctx) fail(m.dir(), "sequence longer than " + context_key + "=" + std::to_string(n_ctx));
}

void apply_linear(const WeightSet& w, const std::string& name, const float* x, int64_t M, float* y,
                  Workspace& ws) {
  const MatrixRef W = w.matrix(name + ".weight");
  ws.observe_linear(name, x, M, W.in);
  linear(x, M, W, w.vector(name + ".bias"), y, ws.scratch());
}

void apply_layer_norm(const WeightSet& w, const std::string& name, const float* x, int64_t M,
                      int64_t D, float eps, float* out) {
  const float* g = w.vector(name + ".weight");
  if (!g) fail(w.model().dir(), "model has no tensor " + name + ".weight");
  layer_norm(x, M, D, g, w.vector(name + ".bias"), eps, out);
}

void apply_rms_norm(const WeightSet& w, const std::string& name, const float* x, int64_t M,
                    int64_t D, float eps, float* out) {
  const float* g = w.vector(name + ".weight");
  if (!g) fail(w.model().dir(), "model has no tensor " + name + ".weight");
  rms_norm(x, M, D, g, eps, out);
}

RopeParams read_rope_params(const ModelConfig& c, int n_rot, int64_t max_pos) {
  RopeParams r;
  r.n_rot = n_rot;
  r.theta = c.get_float({"rope_theta", "rotary_emb_base"}, 10000.0);
  const auto& raw = c.raw();
  if (!raw.contains("rope_scaling") || raw["rope_scaling"].is_null()) return r;
  const auto& s = raw["rope_scaling"];
  if (!s.is_object()) fail(c.path(), "'rope_scaling' must be an object");
  for (const char* key : {"rope_type", "type"})
    if (s.contains(key) && !s[key].is_string()) fail(c.path(), std::string("rope_scaling '") + key + "' must be a string");
  r.scaling = s.value("rope_type", s.value("type", std::string("default")));
  auto num = [&](const char* key) -> double {
    if (!s.contains(key) || !s[key].is_number()) fail(c.path(), std::string("rope_scaling lacks numeric '") + key + "'");
    return s[key].get<double>();
  };
  if (r.scaling == "default") return r;
  if (r.scaling == "linear" || r.scaling == "dynamic" || r.scaling == "llama3") r.factor = num("factor");
  if (r.scaling == "dynamic") r.original_ctx = max_pos;
  if (r.scaling == "llama3") {
    r.low_freq_factor = num("low_freq_factor");
    r.high_freq_factor = num("high_freq_factor");
    // Checked before the cast (an out-of-range double to int64 is undefined).
    const double original_ctx = num("original_max_position_embeddings");
    if (!(original_ctx >= 1 && original_ctx <= double(kMaxHParamDim)))
      fail(c.path(), "rope_scaling 'original_max_position_embeddings' must be in 1.." + std::to_string(kMaxHParamDim));
    r.original_ctx = static_cast<int64_t>(original_ctx);
  }
  if (r.scaling != "linear" && r.scaling != "dynamic" && r.scaling != "llama3")
    fail(c.path(), "unsupported rope_scaling type '" + r.scaling + "' (supported: linear, dynamic, llama3)");
  if (r.factor <= 0) fail(c.path(), "rope_scaling factor must be positive");
  return r;
}

void apply_rope(const RopeParams& rope, const Batch& b, float* x, int64_t stride, int n_head,
                int head_dim) {
  if (rope.n_rot <= 0) return;
  if (rope.scaling != "dynamic") {
    const auto f = rope_inv_freq(rope, 0);
    rope_inplace(x, b.rows(), stride, b.positions.data(), n_head, head_dim, rope.n_rot, f.data());
    return;
  }
  for (const Segment& s : b.segments) {
    const auto f = rope_inv_freq(rope, s.length);
    rope_inplace(x + s.start * stride, s.length, stride, b.positions.data() + s.start, n_head, head_dim,
                 rope.n_rot, f.data());
  }
}

void apply_self_attention(const WeightSet& w, const std::string& blk, const float* x, const Batch& b,
                          const SelfAttention& a, Workspace& ws, float* out) {
  const int64_t M = b.rows();
  const int64_t Dq = int64_t(a.n_head) * a.head_dim, Dkv = int64_t(a.n_head_kv) * a.head_dim;
  const int64_t W = Dq + 2 * Dkv;  // one row of [q | k | v]
  float* qkv = ws.buffer("attn.qkv", static_cast<size_t>(M * W));
  const TensorInfo* fused = w.model().find(blk + "attn_qkv.weight");
  if (fused) {
    if (!fused->qkv_per_head) {
      apply_linear(w, blk + "attn_qkv", x, M, qkv, ws);
    } else {
      // Stored per head: projected row = [h0: q k v | h1: q k v | ...]; re-order to [q | k | v].
      if (a.n_head != a.n_head_kv) fail(w.model().dir(), "per-head fused QKV needs n_head_kv == n_head");
      float* raw = ws.buffer("attn.qkv_raw", static_cast<size_t>(M * W));
      apply_linear(w, blk + "attn_qkv", x, M, raw, ws);
      const int hd = a.head_dim;
#pragma omp parallel for schedule(static)
      for (int64_t r = 0; r < M; ++r)
        for (int h = 0; h < a.n_head; ++h)
          for (int t = 0; t < 3; ++t)
            std::copy_n(raw + r * W + (int64_t(h) * 3 + t) * hd, hd, qkv + r * W + t * Dq + int64_t(h) * hd);
    }
    if (a.before_rope) {
      a.before_rope(Projection::Query, qkv, M, W, a.n_head, a.head_dim);
      a.before_rope(Projection::Key, qkv + Dq, M, W, a.n_head_kv, a.head_dim);
    }
  } else {
    float* part = ws.buffer("attn.part", static_cast<size_t>(M * std::max(Dq, Dkv)));
    const std::pair<const char*, int64_t> parts[] = {{"attn_q", 0}, {"attn_k", Dq}, {"attn_v", Dq + Dkv}};
    for (const auto& [part_name, part_off] : parts) {
      // Plain copies: clang 14 cannot capture a structured binding in the OpenMP region below.
      const char* name = part_name;
      const int64_t off = part_off;
      apply_linear(w, blk + name, x, M, part, ws);
      const int64_t width = off == 0 ? Dq : Dkv;
      if (a.before_rope && off < Dq + Dkv)  // q or k: contiguous here, the cheap place
        a.before_rope(off == 0 ? Projection::Query : Projection::Key, part, M, width,
                      off == 0 ? a.n_head : a.n_head_kv, a.head_dim);
#pragma omp parallel for schedule(static)
      for (int64_t r = 0; r < M; ++r) std::copy_n(part + r * width, width, qkv + r * W + off);
    }
  }
  if (a.rope) {
    apply_rope(*a.rope, b, qkv, W, a.n_head, a.head_dim);
    apply_rope(*a.rope, b, qkv + Dq, W, a.n_head_kv, a.head_dim);
  }
  AttentionShape s;
  s.n_head = a.n_head;
  s.n_head_kv = a.n_head_kv;
  s.head_dim = a.head_dim;
  s.scale = a.scale;
  s.causal = a.causal;
  s.alibi_slopes = a.alibi_slopes;
  s.window = a.window;
  s.softcap = a.softcap;
  const int layer = layer_of(blk);
  const AttentionRowObserver observe = attention_row_observer(ws, layer);
  if (observe) s.observe = &observe;
  float* att = ws.buffer("attn.out", static_cast<size_t>(M * Dq));
  attention(qkv, W, qkv + Dq, W, qkv + Dq + Dkv, W, b.segments, s, att);
  ws.intervene(Site::AttnHeads, layer, att, M, Dq);
  apply_linear(w, blk + "attn_output", att, M, out, ws);
}

AttentionRowObserver attention_row_observer(const Workspace& ws, int layer) {
  if (!ws.attention_observer()) return {};
  return [&ws, layer](const AttentionRow& row) { ws.attention_observer()(layer, row); };
}

SelfAttention layer_self_attention(const HParams& hp, int64_t layer) {
  SelfAttention a;
  a.n_head = static_cast<int>(hp.n_head);
  a.n_head_kv = static_cast<int>(hp.n_head_kv);
  a.head_dim = static_cast<int>(hp.head_dim());
  a.scale = hp.attn_scale > 0 ? hp.attn_scale : 1.0f / std::sqrt(static_cast<float>(a.head_dim));
  a.softcap = hp.attn_softcap;
  a.rope = &hp.rope_of(layer);
  a.window = hp.window_of(layer);
  return a;
}

HeadTransform qk_rms_norm(const WeightSet& w, const std::string& blk, float eps) {
  const float* gq = w.vector(blk + "attn_q_norm.weight");
  const float* gk = w.vector(blk + "attn_k_norm.weight");
  if (!gq || !gk) fail(w.model().dir(), "model has no tensor " + blk + (gq ? "attn_k_norm" : "attn_q_norm") + ".weight");
  return [gq, gk, eps](Projection p, float* x, int64_t M, int64_t stride, int n_heads, int head_dim) {
    const float* g = p == Projection::Query ? gq : gk;
    if (stride == int64_t(n_heads) * head_dim) {  // packed rows: one call over every head
      rms_norm(x, M * n_heads, head_dim, g, eps, x);
      return;
    }
    for (int64_t r = 0; r < M; ++r) rms_norm(x + r * stride, n_heads, head_dim, g, eps, x + r * stride);
  };
}

void embed(const WeightSet& w, const Batch& b, int64_t D, int position_offset, float* x) {
  const bool has_pos = w.model().find("position_embd.weight") != nullptr;
  embed_tokens(w, b, D, x);
  if (has_pos) add_position_embeddings(w, b, D, position_offset, x);
}

void add_position_embeddings(const WeightSet& w, const Batch& b, int64_t D, int position_offset, float* x) {
#pragma omp parallel
  {
    std::vector<float> pos(static_cast<size_t>(D));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < b.rows(); ++r) {
      w.embedding_row("position_embd.weight", b.positions[r] + position_offset, pos.data());
      for (int64_t d = 0; d < D; ++d) x[r * D + d] += pos[d];
    }
  }
}

void embed_tokens(const WeightSet& w, const Batch& b, int64_t D, float* x) {
  const int64_t n_vocab = w.matrix("token_embd.weight").out;
  for (int64_t r = 0; r < b.rows(); ++r)
    if (b.tokens[r] < 0 || b.tokens[r] >= n_vocab)
      fail(w.model().dir(), "token id " + std::to_string(b.tokens[r]) + " outside the vocabulary");
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < b.rows(); ++r) w.embedding_row("token_embd.weight", b.tokens[r], x + r * D);
}

bool is_supported_activation(const std::string& name) {
  for (const char* n : {"gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu", "relu", "silu", "swish"})
    if (name == n) return true;
  return false;
}

void apply_activation(const std::string& name, float* x, int64_t n) {
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast")
    gelu_tanh_inplace(x, n);
  else if (name == "gelu")
    gelu_erf_inplace(x, n);
  else if (name == "relu")
    relu_inplace(x, n);
  else if (name == "silu" || name == "swish")
    silu_inplace(x, n);
  else
    fail("activation", "unsupported activation function '" + name + "'");
}

void apply_gated_activation(const std::string& name, float* gate, const float* up, int64_t n) {
  if (name == "silu" || name == "swish") {
    silu_mul_inplace(gate, up, n);
    return;
  }
  apply_activation(name, gate, n);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) gate[i] *= up[i];
}

void softcap_inplace(float* x, int64_t n, float c) {
  if (c <= 0) return;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) x[i] = c * std::tanh(x[i] / c);
}

void output_logits(const WeightSet& w, const float* hidden, int64_t rows, float* logits,
                   Workspace& ws) {
  if (const auto head = w.model().arch().head) {
    head(w, hidden, rows, logits, ws);
    return;
  }
  linear_output_head(w, hidden, rows, logits, ws);
}

void linear_output_head(const WeightSet& w, const float* hidden, int64_t rows, float* logits,
                        Workspace& ws) {
  if (w.model().find("output_proj.weight")) {  // OPT's project_out: hidden -> word_embed_proj_dim
    float* proj = ws.buffer("output_proj", static_cast<size_t>(rows * w.matrix("output_proj.weight").out));
    apply_linear(w, "output_proj", hidden, rows, proj, ws);
    hidden = proj;
  }
  apply_linear(w, "output", hidden, rows, logits, ws);
}

}  // namespace lq
