// OPT as Hugging Face defines it (OPTForCausalLM): learned positions offset by 2, separate
// biased q/k/v projections, ReLU feed-forward, pre-LayerNorm blocks (do_layer_norm_before, all
// sizes but 350m) or post-LayerNorm blocks (opt-350m), project_in / project_out when
// word_embed_proj_dim differs from hidden_size (opt-350m), and a head tied to the embeddings.
// project_in is canonical "token_embd_proj" (embeddings), project_out "output_proj" (output,
// applied by output_logits before the head, so hidden rows stay hidden_size wide).
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "kernels/ops.h"
#include "model/arch.h"
#include "model/block_table.h"
#include "model/blocks.h"
#include "model/hf_config.h"

namespace lq {
namespace {

constexpr int kPositionOffset = 2;  // OPTLearnedPositionalEmbedding.offset

HParams read_opt(const ModelConfig& c) {
  HParams h;
  read_hf_sizes(c, h, "ffn_dim");
  h.norm_eps = 1e-5f;  // nn.LayerNorm's default; OPT configs have no epsilon
  h.activation = c.get_string({"activation_function"}, "relu");
  h.tied_output = c.get_bool({"tie_word_embeddings"}, true);
  h.norm_before = c.get_bool({"do_layer_norm_before"}, true);
  const int64_t proj = read_hf_dim(c, {"word_embed_proj_dim"}, h.n_embd);
  h.n_embd_proj = proj == h.n_embd ? 0 : proj;
  if (h.n_embd % h.n_head != 0) fail(c.path(), "hidden_size must be a multiple of num_attention_heads");
  if (!is_supported_activation(h.activation))
    fail(c.path(), "unsupported activation_function '" + h.activation + "'");
  if (!c.get_bool({"enable_bias"}, true)) fail(c.path(), "enable_bias=false is not supported");
  if (!c.get_bool({"layer_norm_elementwise_affine"}, true))
    fail(c.path(), "layer_norm_elementwise_affine=false is not supported");
  if (c.get_bool({"_remove_final_layer_norm"}, false)) fail(c.path(), "_remove_final_layer_norm is not supported");
  check_hparams(c, h);
  return h;
}

std::vector<TensorRow> opt_tensors(const HParams& h) {
  const int64_t D = h.n_embd, F = h.n_ff, P = h.n_embd_proj ? h.n_embd_proj : D;
  // Hub checkpoints (OPTModel weights) may lack the "model." prefix.
  auto both = [](const std::string& n) { return std::vector<std::string>{"model.decoder." + n, "decoder." + n}; };
  std::vector<TensorRow> t = {
      {"token_embd.weight", both("embed_tokens.weight"), false, true, {h.n_vocab, P}},
      {"position_embd.weight", both("embed_positions.weight"), false, true, {h.n_ctx + kPositionOffset, D}},
  };
  if (h.n_embd_proj) {
    t.push_back({"token_embd_proj.weight", both("project_in.weight"), false, true, {D, P}});
    t.push_back({"output_proj.weight", both("project_out.weight"), false, true, {P, D}});
  }
  if (h.norm_before) {
    t.push_back({"output_norm.weight", both("final_layer_norm.weight"), false, true, {D}});
    t.push_back({"output_norm.bias", both("final_layer_norm.bias"), false, true, {D}});
  }
  if (!h.tied_output) t.push_back({"output.weight", {"lm_head.weight"}, false, true, {h.n_vocab, P}});
  add_block_tensors(t,
                    {{"attn_norm", "self_attn_layer_norm", D, 0},
                     {"attn_q", "self_attn.q_proj", D, D},
                     {"attn_k", "self_attn.k_proj", D, D},
                     {"attn_v", "self_attn.v_proj", D, D},
                     {"attn_output", "self_attn.out_proj", D, D},
                     {"ffn_norm", "final_layer_norm", D, 0},
                     {"ffn_up", "fc1", F, D},
                     {"ffn_down", "fc2", D, F}},
                    {.prefixes = {"model.decoder.layers.{L}.", "decoder.layers.{L}."}});
  return t;
}

void opt_embed(const Model& m, const WeightSet& w, const Batch& b, Workspace& ws, float* x) {
  const HParams& hp = m.hparams();
  const int64_t M = b.rows(), D = hp.n_embd;
  check_positions(m, b, "max_position_embeddings");
  if (hp.n_embd_proj) {
    float* e = ws.buffer("embd_proj", M * hp.n_embd_proj);
    embed_tokens(w, b, hp.n_embd_proj, e);
    apply_linear(w, "token_embd_proj", e, M, x, ws);
  } else {
    embed_tokens(w, b, D, x);
  }
  add_position_embeddings(w, b, D, kPositionOffset, x);
}

void opt_block(const Model& m, const WeightSet& w, const Batch& b, int l, Workspace& ws, float* x) {
  const HParams& hp = m.hparams();
  const int64_t M = b.rows(), D = hp.n_embd, F = hp.n_ff;
  float* h = ws.buffer("h", M * D);
  float* ff = ws.buffer("ff", M * F);
  SelfAttention a;
  a.n_head = a.n_head_kv = static_cast<int>(hp.n_head);
  a.head_dim = static_cast<int>(hp.head_dim());
  // transformers scales the query before q.k; the same product up to float rounding.
  a.scale = 1.0f / std::sqrt(static_cast<float>(a.head_dim));
  const std::string blk = "blk." + std::to_string(l) + ".";
  // Pre-LN: x += attn(norm(x)); post-LN (opt-350m): x = norm(x + attn(x)). Same for the FFN.
  if (hp.norm_before) apply_layer_norm(w, blk + "attn_norm", x, M, D, hp.norm_eps, h);
  apply_self_attention(w, blk, hp.norm_before ? h : x, b, a, ws, h);
  ws.intervene(Site::AttnOut, l, h, M, D);
  add_inplace(x, h, M * D);
  if (!hp.norm_before) apply_layer_norm(w, blk + "attn_norm", x, M, D, hp.norm_eps, x);
  if (hp.norm_before) apply_layer_norm(w, blk + "ffn_norm", x, M, D, hp.norm_eps, h);
  apply_linear(w, blk + "ffn_up", hp.norm_before ? h : x, M, ff, ws);
  apply_activation(hp.activation, ff, M * F);
  ws.intervene(Site::MlpHidden, l, ff, M, F);
  apply_linear(w, blk + "ffn_down", ff, M, h, ws);
  ws.intervene(Site::MlpOut, l, h, M, D);
  add_inplace(x, h, M * D);
  if (!hp.norm_before) apply_layer_norm(w, blk + "ffn_norm", x, M, D, hp.norm_eps, x);
}

void opt_finish(const Model& m, const WeightSet& w, const Batch& b, Workspace& ws, const float* x) {
  const HParams& hp = m.hparams();
  const int64_t M = b.rows(), D = hp.n_embd;
  float* out = ws.hidden(M * D);
  if (hp.norm_before)
    apply_layer_norm(w, "output_norm", x, M, D, hp.norm_eps, out);
  else
    std::copy_n(x, M * D, out);
}

}  // namespace

const Architecture& opt_architecture() {
  static const Architecture a{"opt", {"opt"}, read_opt, opt_tensors, opt_embed, opt_block, opt_finish, {"lm_head.weight"}, nullptr};
  return a;
}

}  // namespace lq
