// The Llama family as Hugging Face defines it (LlamaForCausalLM, MistralForCausalLM,
// Qwen2ForCausalLM): RMSNorm pre-norm blocks, RoPE (rotate_half form; rope_scaling linear,
// dynamic or llama3), grouped-query attention with separate q/k/v projections (biased in Qwen2
// or with attention_bias), a SwiGLU feed-forward, and a tied or untied output head.
#include <cmath>

#include "core/error.h"
#include "kernels/ops.h"
#include "model/arch.h"
#include "model/block_table.h"
#include "model/blocks.h"
#include "model/hf_config.h"

namespace lq {
namespace {

HParams read_llama(const ModelConfig& c) {
  HParams h;
  read_hf_sizes(c, h);
  h.n_head_kv = read_hf_dim(c, {"num_key_value_heads"}, h.n_head);
  h.norm_eps = read_hf_epsilon(c, {"rms_norm_eps"}, 1e-6);
  h.activation = c.get_string({"hidden_act"}, "silu");
  h.tied_output = c.get_bool({"tie_word_embeddings"}, false);
  if (h.n_head % h.n_head_kv != 0) fail(c.path(), "num_attention_heads must be a multiple of num_key_value_heads");
  h.n_head_dim = c.get_int({"head_dim"}, 0);
  if (h.n_head_dim > kMaxHParamDim) fail(c.path(), "'head_dim' is larger than " + std::to_string(kMaxHParamDim));
  if (h.n_head_dim <= 0) {
    if (h.n_embd % h.n_head != 0) fail(c.path(), "hidden_size must be a multiple of num_attention_heads");
    h.n_head_dim = h.n_embd / h.n_head;
  }
  if (h.n_head_dim % 2 != 0) fail(c.path(), "head_dim must be even for rotary embeddings");
  if (h.activation != "silu" && h.activation != "swish")
    fail(c.path(), "unsupported hidden_act '" + h.activation + "' (the Llama family uses silu)");
  h.rope = read_rope_params(c, static_cast<int>(h.n_head_dim), h.n_ctx);
  // Dynamic NTK scaling exists to run past the trained context: allow factor x positions.
  // Checked in double first: the cast of an out-of-range double is undefined.
  if (h.rope.scaling == "dynamic") {
    const double n_ctx = static_cast<double>(h.n_ctx) * h.rope.factor;
    if (!(n_ctx >= 1 && n_ctx <= static_cast<double>(kMaxHParamDim)))
      fail(c.path(), "dynamic rope_scaling factor times max_position_embeddings must be in 1.." +
                         std::to_string(kMaxHParamDim));
    h.n_ctx = static_cast<int64_t>(n_ctx);
  }
  // Mistral's sliding window: position i attends to i - window + 1 .. i in every layer, as
  // transformers masks it. Qwen2's window applies only to layers past max_window_layers (and
  // transformers ignores it outside flash attention), so there sequences are capped at the
  // window instead, where every variant agrees.
  if (auto wnd = c.find_int({"sliding_window"}); wnd && *wnd > 0) {
    if (c.model_type() == "mistral")
      h.sliding_window = *wnd;
    else if (c.get_bool({"use_sliding_window"}, false) && *wnd < h.n_ctx)
      h.n_ctx = *wnd;
  }
  check_hparams(c, h);
  return h;
}

std::vector<TensorRow> llama_tensors(const HParams& h) {
  const int64_t D = h.n_embd, F = h.n_ff, Dq = h.n_head * h.head_dim(), Dkv = h.n_head_kv * h.head_dim();
  std::vector<TensorRow> t = {
      {"token_embd.weight", {"model.embed_tokens.weight"}, false, true, {h.n_vocab, D}},
      {"output_norm.weight", {"model.norm.weight"}, false, true, {D}},
  };
  if (!h.tied_output) t.push_back({"output.weight", {"lm_head.weight"}, false, true, {h.n_vocab, D}});
  // Biases: Qwen2's q/k/v always, Llama's with attention_bias / mlp_bias. Optional rows: the
  // checkpoint decides; a bias transformers would ignore cannot be present in its state dict.
  add_block_tensors(t,
                    {{"attn_norm", "input_layernorm", D, 0},
                     {"attn_q", "self_attn.q_proj", Dq, D},
                     {"attn_k", "self_attn.k_proj", Dkv, D},
                     {"attn_v", "self_attn.v_proj", Dkv, D},
                     {"attn_output", "self_attn.o_proj", D, Dq},
                     {"ffn_norm", "post_attention_layernorm", D, 0},
                     {"ffn_gate", "mlp.gate_proj", F, D},
                     {"ffn_up", "mlp.up_proj", F, D},
                     {"ffn_down", "mlp.down_proj", D, F}},
                    {.prefixes = {"model.layers.{L}."}, .norm_bias = false, .bias_required = false});
  return t;
}

void llama_embed(const Model& m, const WeightSet& w, const Batch& b, Workspace&, float* x) {
  check_positions(m, b, "context");
  embed(w, b, m.hparams().n_embd, 0, x);
}

void llama_block(const Model& m, const WeightSet& w, const Batch& b, int l, Workspace& ws, float* x) {
  const HParams& hp = m.hparams();
  const int64_t M = b.rows(), D = hp.n_embd, F = hp.n_ff;
  float* h = ws.buffer("h", M * D);
  float* gate = ws.buffer("gate", M * F);
  float* up = ws.buffer("up", M * F);
  const std::string blk = "blk." + std::to_string(l) + ".";
  apply_rms_norm(w, blk + "attn_norm", x, M, D, hp.norm_eps, h);
  apply_self_attention(w, blk, h, b, layer_self_attention(hp, l), ws, h);
  ws.intervene(Site::AttnOut, l, h, M, D);
  add_inplace(x, h, M * D);
  apply_rms_norm(w, blk + "ffn_norm", x, M, D, hp.norm_eps, h);
  apply_linear(w, blk + "ffn_gate", h, M, gate, ws);
  apply_linear(w, blk + "ffn_up", h, M, up, ws);
  silu_mul_inplace(gate, up, M * F);
  ws.intervene(Site::MlpHidden, l, gate, M, F);
  apply_linear(w, blk + "ffn_down", gate, M, h, ws);
  ws.intervene(Site::MlpOut, l, h, M, D);
  add_inplace(x, h, M * D);
}

void llama_finish(const Model& m, const WeightSet& w, const Batch& b, Workspace& ws, const float* x) {
  const int64_t M = b.rows(), D = m.hparams().n_embd;
  apply_rms_norm(w, "output_norm", x, M, D, m.hparams().norm_eps, ws.hidden(M * D));
}

nlohmann::json llama_config(const HParams& h) {
  nlohmann::json c = {{"model_type", "llama"},
                      {"architectures", {"LlamaForCausalLM"}},
                      {"hidden_size", h.n_embd},
                      {"intermediate_size", h.n_ff},
                      {"num_attention_heads", h.n_head},
                      {"num_key_value_heads", h.n_head_kv},
                      {"num_hidden_layers", h.n_layer},
                      {"vocab_size", h.n_vocab},
                      {"max_position_embeddings", h.n_ctx},
                      {"rms_norm_eps", h.norm_eps},
                      {"rope_theta", 10000.0},
                      {"hidden_act", "silu"},
                      {"tie_word_embeddings", h.tied_output}};
  if (h.bos_id) c["bos_token_id"] = *h.bos_id;
  if (h.eos_id) c["eos_token_id"] = *h.eos_id;
  return c;
}

}  // namespace

const Architecture& llama_architecture() {
  static const Architecture a{"llama", {"llama", "mistral", "qwen2"}, read_llama, llama_tensors, llama_embed, llama_block, llama_finish,
                              {".rotary_emb.inv_freq", "lm_head.weight"}, llama_config};
  return a;
}

}  // namespace lq
