// Architecture-neutral hyper-parameters read from config.json by each architecture.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kernels/rope.h"

namespace lq {

struct HParams {
  int64_t n_vocab = 0, n_ctx = 0, n_embd = 0, n_head = 0, n_head_kv = 0, n_layer = 0, n_ff = 0;
  float norm_eps = 1e-5f;
  std::string activation;         // as named in config.json, e.g. "gelu_new"
  std::optional<int32_t> bos_id;  // prepended when scoring sentence by sentence
  std::optional<int32_t> eos_id;
  bool tied_output = true;        // output head shares token_embd
  bool scale_attn_by_inverse_layer_idx = false;
  int64_t n_head_dim = 0;          // 0: n_embd / n_head (Llama-family configs may give head_dim)
  RopeParams rope;                 // rope.n_rot == 0: no rotary embedding
  bool parallel_residual = false;  // GPT-NeoX: x + attn(ln1(x)) + mlp(ln2(x))
  bool norm_before = true;         // pre-LN blocks; false: post-LN (OPT-350m's do_layer_norm_before)
  int64_t n_embd_proj = 0;         // OPT word_embed_proj_dim when it differs from n_embd (else 0)
  // A masked language model (BERT): bidirectional attention, scored by pseudo-log-likelihood
  // (eval/units.h) instead of next-token prediction.
  bool masked_lm = false;
  int64_t sliding_window = 0;      // > 0: causal attention sees only the last this-many positions (Mistral)
  // How one layer attends when layers differ (Gemma 3: five sliding-window layers with one RoPE
  // base, then one global layer with another). Empty: every layer uses sliding_window and rope.
  struct LayerAttention {
    int64_t window = 0;  // > 0: sliding window of this many positions
    RopeParams rope;
  };
  std::vector<LayerAttention> layer_attention;
  float attn_scale = 0;     // multiplies q.k; 0: 1/sqrt(head_dim) (Gemma: query_pre_attn_scalar^-0.5)
  float attn_softcap = 0;   // > 0: scores become c * tanh(scores / c) before the mask (Gemma 2)
  float final_softcap = 0;  // > 0: logits likewise, in the architecture's output head

  int64_t head_dim() const { return n_head_dim > 0 ? n_head_dim : n_embd / n_head; }
  int64_t window_of(int64_t layer) const {
    return layer_attention.empty() ? sliding_window : layer_attention.at(layer).window;
  }
  const RopeParams& rope_of(int64_t layer) const {
    return layer_attention.empty() ? rope : layer_attention.at(layer).rope;
  }
};

}  // namespace lq
