// BERT as a masked language model, as Hugging Face defines it (BertForMaskedLM): word +
// learned position + token-type (row 0: single-sentence input) embeddings and a LayerNorm,
// post-LayerNorm encoder blocks with bidirectional attention, a GELU feed-forward, and the MLM
// head: transform (dense, activation, LayerNorm) then a decoder tied to the word embeddings plus
// its own bias. Scored by pseudo-log-likelihood (HParams::masked_lm; see eval/units.h).
//
// Canonical names: token_types = token_type_embeddings; blk.N.attn_norm / blk.N.ffn_norm are the
// post-LN norms after the attention and feed-forward residuals (as for OPT-350m); the MLM
// transform is output_transform (dense) and output_norm (its LayerNorm); output.weight is the
// tied embedding and output.bias is cls.predictions.bias.
#include <cmath>

#include "core/error.h"
#include "kernels/ops.h"
#include "model/arch.h"
#include "model/block_table.h"
#include "model/blocks.h"
#include "model/hf_config.h"

namespace lq {
namespace {

HParams read_bert(const ModelConfig& c) {
  HParams h;
  read_hf_sizes(c, h);
  h.bos_id = h.eos_id = std::nullopt;  // a masked LM's units come from its [CLS] ... [SEP] template
  h.norm_eps = read_hf_epsilon(c, {"layer_norm_eps"}, 1e-12);
  h.activation = c.get_string({"hidden_act"}, "gelu");
  h.tied_output = c.get_bool({"tie_word_embeddings"}, true);
  h.norm_before = false;
  h.masked_lm = true;
  if (c.get_int({"type_vocab_size"}, 2) <= 0) fail(c.path(), "'type_vocab_size' must be positive");
  if (h.n_embd % h.n_head != 0) fail(c.path(), "hidden_size must be a multiple of num_attention_heads");
  if (!is_supported_activation(h.activation)) fail(c.path(), "unsupported hidden_act '" + h.activation + "'");
  const std::string pos = c.get_string({"position_embedding_type"}, "absolute");
  if (pos != "absolute") fail(c.path(), "position_embedding_type '" + pos + "' is not supported");
  if (!h.tied_output) fail(c.path(), "BERT with an untied MLM decoder is not supported");
  check_hparams(c, h);
  return h;
}

std::vector<TensorRow> bert_tensors(const HParams& h) {
  const int64_t D = h.n_embd, F = h.n_ff;
  auto pre = [](const std::string& n) { return std::vector<std::string>{"bert." + n, n}; };
  std::vector<TensorRow> t = {
      {"token_embd.weight", pre("embeddings.word_embeddings.weight"), false, true, {h.n_vocab, D}},
      {"position_embd.weight", pre("embeddings.position_embeddings.weight"), false, true, {h.n_ctx, D}},
      {"token_types.weight", pre("embeddings.token_type_embeddings.weight"), false, true, {}},
      {"token_embd_norm.weight", pre("embeddings.LayerNorm.weight"), false, true, {D}},
      {"token_embd_norm.bias", pre("embeddings.LayerNorm.bias"), false, true, {D}},
      {"output_transform.weight", {"cls.predictions.transform.dense.weight"}, false, true, {D, D}},
      {"output_transform.bias", {"cls.predictions.transform.dense.bias"}, false, true, {D}},
      {"output_norm.weight", {"cls.predictions.transform.LayerNorm.weight"}, false, true, {D}},
      {"output_norm.bias", {"cls.predictions.transform.LayerNorm.bias"}, false, true, {D}},
      {"output.bias", {"cls.predictions.bias", "cls.predictions.decoder.bias"}, false, true, {h.n_vocab}},
  };
  add_block_tensors(t,
                    {{"attn_q", "attention.self.query", D, D},
                     {"attn_k", "attention.self.key", D, D},
                     {"attn_v", "attention.self.value", D, D},
                     {"attn_output", "attention.output.dense", D, D},
                     {"attn_norm", "attention.output.LayerNorm", D, 0},
                     {"ffn_up", "intermediate.dense", F, D},
                     {"ffn_down", "output.dense", D, F},
                     {"ffn_norm", "output.LayerNorm", D, 0}},
                    {.prefixes = {"bert.encoder.layer.{L}.", "encoder.layer.{L}."}});
  return t;
}

void bert_embed(const Model& m, const WeightSet& w, const Batch& b, Workspace& ws, float* x) {
  const HParams& hp = m.hparams();
  const int64_t M = b.rows(), D = hp.n_embd;
  check_positions(m, b, "max_position_embeddings");
  float* h = ws.buffer("h", M * D);
  embed(w, b, D, 0, h);
  std::vector<float> type0(static_cast<size_t>(D));  // token_type_ids are all 0
  w.embedding_row("token_types.weight", 0, type0.data());
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < M; ++r)
    for (int64_t d = 0; d < D; ++d) h[r * D + d] += type0[d];
  apply_layer_norm(w, "token_embd_norm", h, M, D, hp.norm_eps, x);
}

void bert_block(const Model& m, const WeightSet& w, const Batch& b, int l, Workspace& ws, float* x) {
  const HParams& hp = m.hparams();
  const int64_t M = b.rows(), D = hp.n_embd, F = hp.n_ff;
  float* h = ws.buffer("h", M * D);
  float* ff = ws.buffer("ff", M * F);
  SelfAttention a;
  a.n_head = a.n_head_kv = static_cast<int>(hp.n_head);
  a.head_dim = static_cast<int>(hp.head_dim());
  a.scale = 1.0f / std::sqrt(static_cast<float>(a.head_dim));
  a.causal = false;
  const std::string blk = "blk." + std::to_string(l) + ".";
  apply_self_attention(w, blk, x, b, a, ws, h);
  ws.intervene(Site::AttnOut, l, h, M, D);
  add_inplace(x, h, M * D);
  apply_layer_norm(w, blk + "attn_norm", x, M, D, hp.norm_eps, x);
  apply_linear(w, blk + "ffn_up", x, M, ff, ws);
  apply_activation(hp.activation, ff, M * F);
  ws.intervene(Site::MlpHidden, l, ff, M, F);
  apply_linear(w, blk + "ffn_down", ff, M, h, ws);
  ws.intervene(Site::MlpOut, l, h, M, D);
  add_inplace(x, h, M * D);
  apply_layer_norm(w, blk + "ffn_norm", x, M, D, hp.norm_eps, x);
}

// The MLM head transform (for every row; the decoder itself runs only on scored rows).
void bert_finish(const Model& m, const WeightSet& w, const Batch& b, Workspace& ws, const float* x) {
  const HParams& hp = m.hparams();
  const int64_t M = b.rows(), D = hp.n_embd;
  float* h = ws.buffer("h", M * D);
  apply_linear(w, "output_transform", x, M, h, ws);
  apply_activation(hp.activation, h, M * D);
  apply_layer_norm(w, "output_norm", h, M, D, hp.norm_eps, ws.hidden(M * D));
}

}  // namespace

const Architecture& bert_architecture() {
  static const Architecture a{"bert", {"bert"}, read_bert, bert_tensors, bert_embed, bert_block, bert_finish,
                              {"pooler.dense.weight", "pooler.dense.bias", "cls.seq_relationship.weight",
                               "cls.seq_relationship.bias", "cls.predictions.decoder.weight",
                               "cls.predictions.decoder.bias", "embeddings.position_ids"},
                              nullptr};
  return a;
}

}  // namespace lq
