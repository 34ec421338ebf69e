// BLOOM as Hugging Face defines it (BloomForCausalLM): no position embeddings but ALiBi biases,
// a LayerNorm on the word embeddings (token_embd_norm), pre-LayerNorm blocks, a fused
// query_key_value whose output rows are stored per head ([n_head, 3, head_dim]: the tensor
// table's qkv_per_head layout quirk), BLOOM's own tanh GELU, and a head tied to the embeddings.
#include <cmath>

#include "core/error.h"
#include "kernels/ops.h"
#include "model/arch.h"
#include "model/block_table.h"
#include "model/blocks.h"
#include "model/hf_config.h"

namespace lq {
namespace {

HParams read_bloom(const ModelConfig& c) {
  HParams h;
  h.n_embd = read_hf_dim(c, {"hidden_size", "n_embed"});  // bounded before 4 * n_embd below
  h.n_head = read_hf_dim(c, {"n_head", "num_attention_heads"});
  h.n_head_kv = h.n_head;
  h.n_layer = read_hf_layers(c, {"n_layer", "num_hidden_layers"});
  h.n_vocab = read_hf_dim(c, {"vocab_size"});
  h.n_ctx = read_hf_dim(c, {"seq_length"}, 2048);  // ALiBi has no table of positions; trained length
  h.n_ff = 4 * h.n_embd;
  h.norm_eps = read_hf_epsilon(c, {"layer_norm_epsilon"}, 1e-5);
  h.activation = "bloom_gelu";
  h.tied_output = c.get_bool({"tie_word_embeddings"}, true);
  h.bos_id = read_hf_token_id(c, "bos_token_id");
  h.eos_id = read_hf_token_id(c, "eos_token_id");
  if (h.n_embd % h.n_head != 0) fail(c.path(), "hidden_size must be a multiple of n_head");
  if (c.get_bool({"apply_residual_connection_post_layernorm"}, false))
    fail(c.path(), "apply_residual_connection_post_layernorm=true is not supported");
  if (!h.tied_output) fail(c.path(), "BLOOM with an untied output head is not supported");
  check_hparams(c, h);
  return h;
}

std::vector<TensorRow> bloom_tensors(const HParams& h) {
  // save_pretrained writes "transformer."; hub checkpoints of BloomModel omit it.
  auto both = [](const std::string& n) { return std::vector<std::string>{"transformer." + n, n}; };
  const int64_t D = h.n_embd, F = h.n_ff;
  std::vector<TensorRow> t = {
      {"token_embd.weight", both("word_embeddings.weight"), false, true, {h.n_vocab, D}},
      {"token_embd_norm.weight", both("word_embeddings_layernorm.weight"), false, true, {D}},
      {"token_embd_norm.bias", both("word_embeddings_layernorm.bias"), false, true, {D}},
      {"output_norm.weight", both("ln_f.weight"), false, true, {D}},
      {"output_norm.bias", both("ln_f.bias"), false, true, {D}},
  };
  add_block_tensors(t,
                    {{"attn_norm", "input_layernorm", D, 0},
                     {"attn_qkv", "self_attention.query_key_value", 3 * D, D},
                     {"attn_output", "self_attention.dense", D, D},
                     {"ffn_norm", "post_attention_layernorm", D, 0},
                     {"ffn_up", "mlp.dense_h_to_4h", F, D},
                     {"ffn_down", "mlp.dense_4h_to_h", D, F}},
                    {.prefixes = {"transformer.h.{L}.", "h.{L}."}, .per_head_qkv = "attn_qkv"});
  return t;
}

// transformers' build_alibi_tensor slopes (float32), including the interleaved extra slopes
// when n_head is not a power of two.
std::vector<float> alibi_slopes(int n_head) {
  const int cp = 1 << static_cast<int>(std::floor(std::log2(n_head)));
  const auto base = static_cast<float>(std::pow(2.0, -std::pow(2.0, -(std::log2(cp) - 3))));
  std::vector<float> s;
  for (int k = 1; k <= cp; ++k) s.push_back(std::pow(base, static_cast<float>(k)));
  if (cp != n_head) {
    const auto extra = static_cast<float>(std::pow(2.0, -std::pow(2.0, -(std::log2(2 * cp) - 3))));
    const int remaining = std::min(cp, n_head - cp);
    for (int k = 1; k < 1 + 2 * remaining; k += 2) s.push_back(std::pow(extra, static_cast<float>(k)));
  }
  return s;
}

void bloom_embed(const Model& m, const WeightSet& w, const Batch& b, Workspace& ws, float* x) {
  const int64_t M = b.rows(), D = m.hparams().n_embd;
  check_positions(m, b, "seq_length");
  float* h = ws.buffer("h", M * D);
  embed_tokens(w, b, D, h);
  apply_layer_norm(w, "token_embd_norm", h, M, D, m.hparams().norm_eps, x);
}

void bloom_block(const Model& m, const WeightSet& w, const Batch& b, int l, Workspace& ws, float* x) {
  const HParams& hp = m.hparams();
  const int64_t M = b.rows(), D = hp.n_embd, F = hp.n_ff;
  float* h = ws.buffer("h", M * D);
  float* ff = ws.buffer("ff", M * F);
  // Recomputed per block (n_head floats) so that a block needs nothing from the ones before it.
  const std::vector<float> slopes = alibi_slopes(static_cast<int>(hp.n_head));
  SelfAttention a;
  a.n_head = a.n_head_kv = static_cast<int>(hp.n_head);
  a.head_dim = static_cast<int>(hp.head_dim());
  a.scale = 1.0f / std::sqrt(static_cast<float>(a.head_dim));
  // transformers adds slope * j (key position); the kernel adds slope * (j - i), the same
  // softmax (a constant per query row) with smaller numbers.
  a.alibi_slopes = slopes.data();
  const std::string blk = "blk." + std::to_string(l) + ".";
  apply_layer_norm(w, blk + "attn_norm", x, M, D, hp.norm_eps, h);
  apply_self_attention(w, blk, h, b, a, ws, h);
  ws.intervene(Site::AttnOut, l, h, M, D);
  add_inplace(x, h, M * D);
  apply_layer_norm(w, blk + "ffn_norm", x, M, D, hp.norm_eps, h);
  apply_linear(w, blk + "ffn_up", h, M, ff, ws);
  gelu_bloom_inplace(ff, M * F);
  ws.intervene(Site::MlpHidden, l, ff, M, F);
  apply_linear(w, blk + "ffn_down", ff, M, h, ws);
  ws.intervene(Site::MlpOut, l, h, M, D);
  add_inplace(x, h, M * D);
}

void bloom_finish(const Model& m, const WeightSet& w, const Batch& b, Workspace& ws, const float* x) {
  const int64_t M = b.rows(), D = m.hparams().n_embd;
  apply_layer_norm(w, "output_norm", x, M, D, m.hparams().norm_eps, ws.hidden(M * D));
}

}  // namespace

const Architecture& bloom_architecture() {
  static const Architecture a{"bloom", {"bloom"}, read_bloom, bloom_tensors, bloom_embed, bloom_block, bloom_finish, {"lm_head.weight"}, nullptr};
  return a;
}

}  // namespace lq
