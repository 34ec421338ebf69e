// Building blocks shared by the architectures' forwards, addressed by canonical names.
#pragma once
#include <functional>
#include <string>

#include "formats/model_config.h"
#include "kernels/rope.h"
#include "model/batch.h"
#include "model/hparams.h"
#include "model/weight_set.h"
#include "model/workspace.h"

namespace lq {

// Fails naming the model and config key when a row's position is beyond the context.
void check_positions(const Model& m, const Batch& b, const std::string& context_key);

// y[M, out] = x W^T + b for the tensor pair "<name>.weight" / "<name>.bias" (bias optional).
void apply_linear(const WeightSet& w, const std::string& name, const float* x, int64_t M, float* y,
                  Workspace& ws);
// out = LayerNorm(x) with "<name>.weight" / "<name>.bias".
void apply_layer_norm(const WeightSet& w, const std::string& name, const float* x, int64_t M,
                      int64_t D, float eps, float* out);
// out = RMSNorm(x) with "<name>.weight".
void apply_rms_norm(const WeightSet& w, const std::string& name, const float* x, int64_t M,
                    int64_t D, float eps, float* out);
// RoPE settings of a config.json: rope_theta (or rotary_emb_base) and rope_scaling (linear,
// dynamic with max_pos as the original context, llama3), for n_rot rotated dims per head.
RopeParams read_rope_params(const ModelConfig& c, int n_rot, int64_t max_pos);
// Rotates the n_head heads (head_dim wide, rows `stride` apart) of every batch row at its
// position. Frequencies are computed once per segment length (only dynamic NTK scaling needs that).
void apply_rope(const RopeParams& rope, const Batch& b, float* x, int64_t stride, int n_head,
                int head_dim);

// Which projection a HeadTransform is given.
enum class Projection { Query, Key };
// Runs on the projected queries (n_heads = n_head) and keys (n_heads = n_head_kv) of every
// row, after the projection (and its bias) and before RoPE: rows M, `stride` floats apart,
// each holding n_heads heads head_dim wide, contiguous. QK-norm (Gemma 3, Qwen3, OLMo 2) goes here.
using HeadTransform = std::function<void(Projection, float* x, int64_t M, int64_t stride, int n_heads,
                                         int head_dim)>;

// The attention kernel's row observer for block `layer`: hands every row to ws's attention
// observer; empty when ws has none.
AttentionRowObserver attention_row_observer(const Workspace& ws, int layer);

// One multi-head self-attention sub-layer: projections, optional per-head transform, RoPE /
// ALiBi, packed attention and the output projection.
struct SelfAttention {
  int n_head = 1, n_head_kv = 1, head_dim = 1;
  float scale = 1.0f;
  bool causal = true;
  const RopeParams* rope = nullptr;       // applied to q and k when set (and n_rot > 0)
  const float* alibi_slopes = nullptr;    // per head
  int64_t window = 0;                     // sliding-window attention when > 0
  float softcap = 0;                      // > 0: scores capped to c * tanh(score / c)
  HeadTransform before_rope;              // empty: none
};
// The attention of decoder layer `layer` as the hyper-parameters give it: heads, head_dim,
// scale (attn_scale, else 1/sqrt(head_dim)), softcap, and that layer's RoPE and window.
SelfAttention layer_self_attention(const HParams& hp, int64_t layer);
// QK-norm: RMSNorm of every query head with "<blk>attn_q_norm.weight" and every key head with
// "<blk>attn_k_norm.weight" (head_dim long each, canonical values).
HeadTransform qk_rms_norm(const WeightSet& w, const std::string& blk, float eps);
// out[M, n_embd] = attn_output(attention(x)) for block prefix blk (e.g. "blk.3."). q, k and v come
// from the fused "attn_qkv" when the model has it (rows [q | k | v], or per head when the tensor
// is qkv_per_head: the projected rows are then re-ordered to [q | k | v]), else from the separate
// "attn_q", "attn_k" and "attn_v" (each with its bias when present).
void apply_self_attention(const WeightSet& w, const std::string& blk, const float* x, const Batch& b,
                          const SelfAttention& a, Workspace& ws, float* out);

// x[r] = token_embd[tokens[r]] (+ position_embd[positions[r] + position_offset] when present).
void embed(const WeightSet& w, const Batch& b, int64_t D, int position_offset, float* x);
// The two halves of embed(): x[r] = token_embd[tokens[r]] (rows D wide) ...
void embed_tokens(const WeightSet& w, const Batch& b, int64_t D, float* x);
// ... and x[r] += position_embd[positions[r] + position_offset].
void add_position_embeddings(const WeightSet& w, const Batch& b, int64_t D, int position_offset, float* x);
// Whether apply_activation knows this config.json activation name.
bool is_supported_activation(const std::string& name);
// In-place activation by its config.json name; throws on names it does not know.
void apply_activation(const std::string& name, float* x, int64_t n);
// Gated feed-forward activation: gate[i] = act(gate[i]) * up[i] (GeGLU, SwiGLU by name).
void apply_gated_activation(const std::string& name, float* gate, const float* up, int64_t n);
// logits[rows, n_vocab] of hidden rows through the model's output head: its architecture's
// `head` when it has one, else linear_output_head.
void output_logits(const WeightSet& w, const float* hidden, int64_t rows, float* logits,
                   Workspace& ws);
// The plain head: the "output" matrix (token_embd when tied), after "output_proj" when the
// model has one (OPT's project_out, hidden_size -> word_embed_proj_dim, a part of the head).
void linear_output_head(const WeightSet& w, const float* hidden, int64_t rows, float* logits,
                        Workspace& ws);
// x = c * tanh(x / c) element-wise (logit softcapping, Gemma 2); nothing when c <= 0.
void softcap_inplace(float* x, int64_t n, float c);

}  // namespace lq
