// GPT-NeoX / Pythia as Hugging Face defines it (GPTNeoXForCausalLM): pre-LayerNorm blocks with
// parallel (use_parallel_residual) or sequential residuals, partial rotary embeddings (the first
// rotary_pct of each head, base rotary_emb_base), a fused query_key_value projection whose
// output rows are stored per head ([n_head, 3, head_dim]: a layout quirk declared in the
// tensor table, qkv_per_head), a GELU feed-forward and an untied head (embed_out).
#include <cmath>

#include "core/error.h"
#include "kernels/ops.h"
#include "model/arch.h"
#include "model/block_table.h"
#include "model/blocks.h"
#include "model/hf_config.h"

namespace lq {
namespace {

HParams read_gpt_neox(const ModelConfig& c) {
  HParams h;
  read_hf_sizes(c, h);
  h.norm_eps = read_hf_epsilon(c, {"layer_norm_eps"}, 1e-5);
  h.activation = c.get_string({"hidden_act"}, "gelu");
  h.tied_output = c.get_bool({"tie_word_embeddings"}, false);
  h.parallel_residual = c.get_bool({"use_parallel_residual"}, true);
  if (h.n_embd % h.n_head != 0) fail(c.path(), "hidden_size must be a multiple of num_attention_heads");
  if (!is_supported_activation(h.activation)) fail(c.path(), "unsupported hidden_act '" + h.activation + "'");
  if (!c.get_bool({"attention_bias"}, true)) fail(c.path(), "attention_bias=false is not supported");
  // transformers: rotary_ndims = int(head_size * rotary_pct); checked first, the cast of an
  // out-of-range double is undefined.
  const double rotary_pct = c.get_float({"rotary_pct"}, 0.25);
  if (!(rotary_pct >= 0 && rotary_pct <= 1)) fail(c.path(), "'rotary_pct' must be between 0 and 1");
  const auto n_rot = static_cast<int>(static_cast<double>(h.head_dim()) * rotary_pct);
  if (n_rot % 2 != 0) fail(c.path(), "rotary_pct must give an even number of rotary dims");
  h.rope = read_rope_params(c, n_rot, h.n_ctx);
  check_hparams(c, h);
  return h;
}

std::vector<TensorRow> gpt_neox_tensors(const HParams& h) {
  const int64_t D = h.n_embd, F = h.n_ff;
  std::vector<TensorRow> t = {
      {"token_embd.weight", {"gpt_neox.embed_in.weight"}, false, true, {h.n_vocab, D}},
      {"output_norm.weight", {"gpt_neox.final_layer_norm.weight"}, false, true, {D}},
      {"output_norm.bias", {"gpt_neox.final_layer_norm.bias"}, false, true, {D}},
  };
  if (!h.tied_output) t.push_back({"output.weight", {"embed_out.weight"}, false, true, {h.n_vocab, D}});
  add_block_tensors(t,
                    {{"attn_norm", "input_layernorm", D, 0},
                     {"attn_qkv", "attention.query_key_value", 3 * D, D},
                     {"attn_output", "attention.dense", D, D},
                     {"ffn_norm", "post_attention_layernorm", D, 0},
                     {"ffn_up", "mlp.dense_h_to_4h", F, D},
                     {"ffn_down", "mlp.dense_4h_to_h", D, F}},
                    {.prefixes = {"gpt_neox.layers.{L}."}, .per_head_qkv = "attn_qkv"});
  return t;
}

void gpt_neox_embed(const Model& m, const WeightSet& w, const Batch& b, Workspace&, float* x) {
  check_positions(m, b, "max_position_embeddings");
  embed(w, b, m.hparams().n_embd, 0, x);
}

void gpt_neox_block(const Model& m, const WeightSet& w, const Batch& b, int l, Workspace& ws, float* x) {
  const HParams& hp = m.hparams();
  const int64_t M = b.rows(), D = hp.n_embd, F = hp.n_ff;
  float* h = ws.buffer("h", M * D);
  float* att = ws.buffer("att", M * D);
  float* ff = ws.buffer("ff", M * F);
  SelfAttention a;
  a.n_head = a.n_head_kv = static_cast<int>(hp.n_head);
  a.head_dim = static_cast<int>(hp.head_dim());
  a.scale = 1.0f / std::sqrt(static_cast<float>(a.head_dim));
  a.rope = &hp.rope;
  const std::string blk = "blk." + std::to_string(l) + ".";
  apply_layer_norm(w, blk + "attn_norm", x, M, D, hp.norm_eps, h);
  apply_self_attention(w, blk, h, b, a, ws, att);
  ws.intervene(Site::AttnOut, l, att, M, D);
  // parallel: x + attn(ln1(x)) + mlp(ln2(x));  sequential: y = x + attn(ln1(x)); y + mlp(ln2(y))
  if (!hp.parallel_residual) add_inplace(x, att, M * D);
  apply_layer_norm(w, blk + "ffn_norm", x, M, D, hp.norm_eps, h);
  apply_linear(w, blk + "ffn_up", h, M, ff, ws);
  apply_activation(hp.activation, ff, M * F);
  ws.intervene(Site::MlpHidden, l, ff, M, F);
  apply_linear(w, blk + "ffn_down", ff, M, h, ws);
  ws.intervene(Site::MlpOut, l, h, M, D);
  if (hp.parallel_residual) add_inplace(h, att, M * D);  // mlp + attn, then + x (transformers' order)
  add_inplace(x, h, M * D);
}

void gpt_neox_finish(const Model& m, const WeightSet& w, const Batch& b, Workspace& ws, const float* x) {
  const int64_t M = b.rows(), D = m.hparams().n_embd;
  apply_layer_norm(w, "output_norm", x, M, D, m.hparams().norm_eps, ws.hidden(M * D));
}

}  // namespace

const Architecture& gpt_neox_architecture() {
  static const Architecture a{"gpt_neox", {"gpt_neox"}, read_gpt_neox, gpt_neox_tensors, gpt_neox_embed, gpt_neox_block, gpt_neox_finish,
                              {".attention.bias", ".attention.masked_bias", ".rotary_emb.inv_freq"}, nullptr};
  return a;
}

}  // namespace lq
