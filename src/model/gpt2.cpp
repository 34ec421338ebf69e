// GPT-2 as Hugging Face defines it (GPT2LMHeadModel): learned positions, pre-LayerNorm
// blocks, fused QKV and all projections stored as Conv1D ([in, out]), tied output head.
#include <cmath>

#include "core/error.h"
#include "kernels/attention.h"
#include "kernels/ops.h"
#include "model/arch.h"
#include "model/block_table.h"
#include "model/blocks.h"
#include "model/hf_config.h"

namespace lq {
namespace {

HParams read_gpt2(const ModelConfig& c) {
  HParams h;
  h.n_embd = read_hf_dim(c, {"n_embd"});  // bounded before 4 * n_embd below
  h.n_head = read_hf_dim(c, {"n_head"});
  h.n_head_kv = h.n_head;
  h.n_layer = read_hf_layers(c, {"n_layer"});
  h.n_vocab = read_hf_dim(c, {"vocab_size"});
  h.n_ctx = read_hf_dim(c, {"n_positions"});
  h.n_ff = read_hf_dim(c, {"n_inner"}, 4 * h.n_embd);
  h.norm_eps = read_hf_epsilon(c, {"layer_norm_epsilon"}, 1e-5);
  h.activation = c.get_string({"activation_function"}, "gelu_new");
  h.tied_output = c.get_bool({"tie_word_embeddings"}, true);
  h.scale_attn_by_inverse_layer_idx = c.get_bool({"scale_attn_by_inverse_layer_idx"}, false);
  if (!c.get_bool({"scale_attn_weights"}, true)) fail(c.path(), "scale_attn_weights=false is not supported");
  h.bos_id = read_hf_token_id(c, "bos_token_id");
  h.eos_id = read_hf_token_id(c, "eos_token_id");
  if (h.n_embd % h.n_head != 0) fail(c.path(), "n_embd must be a multiple of n_head");
  if (!is_supported_activation(h.activation))
    fail(c.path(), "unsupported activation_function '" + h.activation + "'");
  if (!h.tied_output) fail(c.path(), "GPT-2 with an untied output head is not supported");
  check_hparams(c, h);
  return h;
}

std::vector<TensorRow> gpt2_tensors(const HParams& h) {
  // Hub checkpoints name tensors without the "transformer." prefix, save_pretrained with it.
  auto both = [](const std::string& n) { return std::vector<std::string>{"transformer." + n, n}; };
  const int64_t D = h.n_embd, F = h.n_ff;
  std::vector<TensorRow> t = {
      {"token_embd.weight", both("wte.weight"), false, true, {h.n_vocab, D}},
      {"position_embd.weight", both("wpe.weight"), false, true, {h.n_ctx, D}},
      {"output_norm.weight", both("ln_f.weight"), false, true, {D}},
      {"output_norm.bias", both("ln_f.bias"), false, true, {D}},
  };
  // Conv1D stores weights [in, out]; every block matrix here is one.
  // Conv1D stores every block matrix [in, out].
  add_block_tensors(t,
                    {{"attn_norm", "ln_1", D, 0},
                     {"attn_qkv", "attn.c_attn", 3 * D, D},
                     {"attn_output", "attn.c_proj", D, D},
                     {"ffn_norm", "ln_2", D, 0},
                     {"ffn_up", "mlp.c_fc", F, D},
                     {"ffn_down", "mlp.c_proj", D, F}},
                    {.prefixes = {"transformer.h.{L}.", "h.{L}."}, .in_major = true});
  return t;
}

void gpt2_embed(const Model& m, const WeightSet& w, const Batch& b, Workspace&, float* x) {
  check_positions(m, b, "n_positions");
  embed(w, b, m.hparams().n_embd, 0, x);
}

void gpt2_block(const Model& m, const WeightSet& w, const Batch& b, int l, Workspace& ws, float* x) {
  const HParams& hp = m.hparams();
  const int64_t M = b.rows(), D = hp.n_embd;
  float* h = ws.buffer("h", M * D);
  float* qkv = ws.buffer("qkv", M * 3 * D);
  float* att = ws.buffer("att", M * D);
  float* ff = ws.buffer("ff", M * hp.n_ff);
  const std::string blk = "blk." + std::to_string(l) + ".";
  apply_layer_norm(w, blk + "attn_norm", x, M, D, hp.norm_eps, h);
  apply_linear(w, blk + "attn_qkv", h, M, qkv, ws);
  AttentionShape s;
  s.n_head = s.n_head_kv = static_cast<int>(hp.n_head);
  s.head_dim = static_cast<int>(hp.head_dim());
  s.scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
  if (hp.scale_attn_by_inverse_layer_idx) s.scale /= static_cast<float>(l + 1);
  const AttentionRowObserver observe = attention_row_observer(ws, l);
  if (observe) s.observe = &observe;
  attention(qkv, 3 * D, qkv + D, 3 * D, qkv + 2 * D, 3 * D, b.segments, s, att);
  ws.intervene(Site::AttnHeads, l, att, M, D);
  apply_linear(w, blk + "attn_output", att, M, h, ws);
  ws.intervene(Site::AttnOut, l, h, M, D);
  add_inplace(x, h, M * D);
  apply_layer_norm(w, blk + "ffn_norm", x, M, D, hp.norm_eps, h);
  apply_linear(w, blk + "ffn_up", h, M, ff, ws);
  apply_activation(hp.activation, ff, M * hp.n_ff);
  ws.intervene(Site::MlpHidden, l, ff, M, hp.n_ff);
  apply_linear(w, blk + "ffn_down", ff, M, h, ws);
  ws.intervene(Site::MlpOut, l, h, M, D);
  add_inplace(x, h, M * D);
}

void gpt2_finish(const Model& m, const WeightSet& w, const Batch& b, Workspace& ws, const float* x) {
  const int64_t M = b.rows(), D = m.hparams().n_embd;
  apply_layer_norm(w, "output_norm", x, M, D, m.hparams().norm_eps, ws.hidden(M * D));
}

nlohmann::json gpt2_config(const HParams& h) {
  nlohmann::json c = {{"model_type", "gpt2"},          {"architectures", {"GPT2LMHeadModel"}},
                      {"n_embd", h.n_embd},            {"n_head", h.n_head},
                      {"n_layer", h.n_layer},          {"n_positions", h.n_ctx},
                      {"n_inner", h.n_ff},             {"vocab_size", h.n_vocab},
                      {"layer_norm_epsilon", h.norm_eps}, {"activation_function", h.activation.empty() ? "gelu_new" : h.activation},
                      {"tie_word_embeddings", true},   {"scale_attn_weights", true}};
  if (h.bos_id) c["bos_token_id"] = *h.bos_id;
  if (h.eos_id) c["eos_token_id"] = *h.eos_id;
  return c;
}

}  // namespace

const Architecture& gpt2_architecture() {
  static const Architecture a{"gpt2", {"gpt2"}, read_gpt2, gpt2_tensors, gpt2_embed, gpt2_block, gpt2_finish,
                              {".attn.bias", ".attn.masked_bias", "lm_head.weight"}, gpt2_config};
  return a;
}

}  // namespace lq
