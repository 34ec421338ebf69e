// Gemma 3's text model as Hugging Face defines it (Gemma3ForCausalLM; the language model of
// Gemma3ForConditionalGeneration): token embeddings scaled by sqrt(hidden_size), RMSNorm before
// and after both attention and the feed-forward, QK-norm on every head, grouped-query attention
// scaled by query_pre_attn_scalar^-0.5, interleaved local (sliding-window, own RoPE base) and
// global layers, a GeGLU feed-forward (gelu tanh), a tied head with optional final softcapping.
//
// Norm weights are canonical in GGUF's convention, 1 + w (transformers stores w and multiplies
// by 1 + w): the table marks every norm with norm_plus_one(), so the forward is one plain RMSNorm.
#include <cmath>

#include "core/error.h"
#include "kernels/ops.h"
#include "model/arch.h"
#include "model/block_table.h"
#include "model/blocks.h"
#include "model/hf_config.h"

namespace lq {

const ValueMap& norm_plus_one() {
  static const ValueMap m{"1 + w",
                          [](float* x, int64_t n) {
                            for (int64_t i = 0; i < n; ++i) x[i] = 1.0f + x[i];  // as Gemma3RMSNorm, in F32
                          },
                          [](float* x, int64_t n) {
                            for (int64_t i = 0; i < n; ++i) x[i] -= 1.0f;
                          }};
  return m;
}

namespace {
using nlohmann::json;

// Gemma3TextConfig's defaults: save_pretrained omits keys equal to them (the text_config of a
// multimodal checkpoint often holds only the sizes), so they are part of the format.
const json& text_defaults() {
  static const json d = {{"vocab_size", 262208},
                         {"hidden_size", 2304},
                         {"intermediate_size", 9216},
                         {"num_hidden_layers", 26},
                         {"num_attention_heads", 8},
                         {"num_key_value_heads", 4},
                         {"head_dim", 256},
                         {"hidden_activation", "gelu_pytorch_tanh"},
                         {"max_position_embeddings", 131072},
                         {"rms_norm_eps", 1e-6},
                         {"bos_token_id", 2},
                         {"eos_token_id", 1},
                         {"tie_word_embeddings", true},
                         {"rope_theta", 1000000.0},
                         {"rope_local_base_freq", 10000.0},
                         {"query_pre_attn_scalar", 256},
                         {"sliding_window", 4096},
                         {"sliding_window_pattern", 6}};
  return d;
}

// The text model's config: config.json itself (gemma3_text) or its "text_config" (gemma3, whose
// special ids and tying may sit at the top level), completed with Gemma3TextConfig's defaults.
ModelConfig text_config(const ModelConfig& c) {
  json t = c.raw();
  if (c.model_type() == "gemma3") {
    if (!c.raw().contains("text_config") || !c.raw()["text_config"].is_object())
      fail(c.path(), "model_type gemma3 needs the object 'text_config'");
    t = c.raw()["text_config"];
    for (const char* key : {"bos_token_id", "eos_token_id", "tie_word_embeddings"})
      if (!t.contains(key) && c.raw().contains(key)) t[key] = c.raw()[key];
    t["model_type"] = "gemma3_text";
  }
  for (const auto& [key, value] : text_defaults().items())
    if (!t.contains(key)) t[key] = value;
  return ModelConfig::from_json(std::move(t), c.path());
}

// Which layers are global: "layer_types" (transformers >= 4.53), else every
// sliding_window_pattern-th layer (the pattern of transformers 4.50 and of llama.cpp).
std::vector<bool> global_layers(const ModelConfig& c, int64_t n_layer) {
  std::vector<bool> global(static_cast<size_t>(n_layer));
  const json& raw = c.raw();
  if (raw.contains("layer_types") && !raw["layer_types"].is_null()) {
    const json& types = raw["layer_types"];
    if (!types.is_array() || static_cast<int64_t>(types.size()) != n_layer)
      fail(c.path(), "'layer_types' must list one type per layer (" + std::to_string(n_layer) + ")");
    for (int64_t l = 0; l < n_layer; ++l) {
      const std::string t = types[l].is_string() ? types[l].get<std::string>() : "";
      if (t != "sliding_attention" && t != "full_attention")
        fail(c.path(), "'layer_types' entries must be sliding_attention or full_attention");
      global[l] = t == "full_attention";
    }
    return global;
  }
  const int64_t pattern = c.get_int({"sliding_window_pattern", "_sliding_window_pattern"}, 6);
  if (pattern <= 0) fail(c.path(), "'sliding_window_pattern' must be positive");
  for (int64_t l = 0; l < n_layer; ++l) global[l] = (l + 1) % pattern == 0;
  return global;
}

// RoPE of one layer type: from "rope_parameters" (transformers 5: one object per layer type),
// else rope_theta and rope_scaling for global layers and rope_local_base_freq, unscaled, for
// local ones (transformers 4.x).
RopeParams layer_rope(const ModelConfig& c, bool global, int n_rot, int64_t n_ctx) {
  const json& raw = c.raw();
  if (raw.contains("rope_parameters") && raw["rope_parameters"].is_object()) {
    const char* type = global ? "full_attention" : "sliding_attention";
    const json& all = raw["rope_parameters"];
    if (!all.contains(type) || !all[type].is_object())
      fail(c.path(), std::string("'rope_parameters' lacks the object '") + type + "'");
    const json& p = all[type];
    json sub = {{"rope_theta", p.value("rope_theta", global ? 1000000.0 : 10000.0)}};
    if (p.value("rope_type", std::string("default")) != "default") sub["rope_scaling"] = p;
    return read_rope_params(ModelConfig::from_json(sub, c.path()), n_rot, n_ctx);
  }
  if (global) return read_rope_params(c, n_rot, n_ctx);
  RopeParams r;
  r.n_rot = n_rot;
  r.theta = c.get_float({"rope_local_base_freq"}, 10000.0);
  return r;
}

// A softcapping value: absent or null means none.
float softcap(const ModelConfig& c, const char* key) {
  const double v = c.get_float({key}, 0.0);
  if (!(std::isfinite(v) && v >= 0)) fail(c.path(), std::string("'") + key + "' must be a positive number or null");
  return static_cast<float>(v);
}

HParams read_gemma3(const ModelConfig& outer) {
  const ModelConfig c = text_config(outer);
  HParams h;
  read_hf_sizes(c, h);
  h.n_head_kv = read_hf_dim(c, {"num_key_value_heads"});
  h.n_head_dim = read_hf_dim(c, {"head_dim"});
  if (h.n_head % h.n_head_kv != 0) fail(c.path(), "num_attention_heads must be a multiple of num_key_value_heads");
  if (h.n_head_dim % 2 != 0) fail(c.path(), "head_dim must be even for rotary embeddings");
  h.norm_eps = read_hf_epsilon(c, {"rms_norm_eps"}, 1e-6);
  h.activation = c.get_string({"hidden_activation", "hidden_act"}, "gelu_pytorch_tanh");
  if (!is_supported_activation(h.activation)) fail(c.path(), "unsupported hidden_activation '" + h.activation + "'");
  h.tied_output = c.get_bool({"tie_word_embeddings"}, true);
  if (c.get_bool({"use_bidirectional_attention"}, false))
    fail(c.path(), "bidirectional Gemma 3 (EmbeddingGemma) is not a causal language model");
  const double scalar = c.get_float({"query_pre_attn_scalar"});
  if (!(std::isfinite(scalar) && scalar > 0)) fail(c.path(), "'query_pre_attn_scalar' must be positive");
  h.attn_scale = static_cast<float>(1.0 / std::sqrt(scalar));  // transformers: scalar ** -0.5
  h.attn_softcap = softcap(c, "attn_logit_softcapping");
  h.final_softcap = softcap(c, "final_logit_softcapping");
  const int64_t window = read_hf_dim(c, {"sliding_window"});

  const int n_rot = static_cast<int>(h.n_head_dim);
  const RopeParams global_rope = layer_rope(c, true, n_rot, h.n_ctx);
  const RopeParams local_rope = layer_rope(c, false, n_rot, h.n_ctx);
  for (const RopeParams* r : {&global_rope, &local_rope})
    if (!(std::isfinite(r->theta) && r->theta > 0)) fail(c.path(), "RoPE bases must be finite and positive");
  if (global_rope.scaling == "dynamic" || local_rope.scaling == "dynamic")
    fail(c.path(), "dynamic rope_scaling is not supported for Gemma 3");
  h.rope = global_rope;  // what architecture-neutral code (e.g. the checks) sees
  for (bool global : global_layers(c, h.n_layer))
    h.layer_attention.push_back({global ? 0 : window, global ? global_rope : local_rope});
  check_hparams(c, h);  // h.rope is the global layers'; the local RoPE was checked above
  return h;
}

std::vector<TensorRow> gemma3_tensors(const HParams& h) {
  const int64_t D = h.n_embd, F = h.n_ff, hd = h.head_dim(), Dq = h.n_head * hd, Dkv = h.n_head_kv * hd;
  // Gemma3ForCausalLM, then Gemma3ForConditionalGeneration before and after transformers 4.52.
  const std::vector<std::string> models = {"model.", "language_model.model.", "model.language_model."};
  auto names = [&](const std::string& part) {
    std::vector<std::string> n;
    for (const auto& m : models) n.push_back(m + part);
    return n;
  };
  std::vector<TensorRow> t = {
      {"token_embd.weight", names("embed_tokens.weight"), false, true, {h.n_vocab, D}},
      {"output_norm.weight", names("norm.weight"), false, true, {D}},
  };
  if (!h.tied_output)
    t.push_back({"output.weight", {"lm_head.weight", "language_model.lm_head.weight"}, false, true, {h.n_vocab, D}});
  add_block_tensors(t,
                    {{"attn_norm", "input_layernorm", D, 0},
                     {"attn_q", "self_attn.q_proj", Dq, D},
                     {"attn_k", "self_attn.k_proj", Dkv, D},
                     {"attn_v", "self_attn.v_proj", Dkv, D},
                     {"attn_q_norm", "self_attn.q_norm", hd, 0},
                     {"attn_k_norm", "self_attn.k_norm", hd, 0},
                     {"attn_output", "self_attn.o_proj", D, Dq},
                     {"post_attention_norm", "post_attention_layernorm", D, 0},
                     {"ffn_norm", "pre_feedforward_layernorm", D, 0},
                     {"ffn_gate", "mlp.gate_proj", F, D},
                     {"ffn_up", "mlp.up_proj", F, D},
                     {"ffn_down", "mlp.down_proj", D, F},
                     {"post_ffw_norm", "post_feedforward_layernorm", D, 0}},
                    {.prefixes = names("layers.{L}."), .norm_bias = false, .bias_required = false});
  for (TensorRow& row : t)
    if (kind_of(row.canonical) == TensorKind::Norm) row.hf_values = &norm_plus_one();
  return t;
}

void gemma3_embed(const Model& m, const WeightSet& w, const Batch& b, Workspace&, float* x) {
  const int64_t M = b.rows(), D = m.hparams().n_embd;
  check_positions(m, b, "max_position_embeddings");
  embed_tokens(w, b, D, x);
  // transformers multiplies by sqrt(hidden_size) cast to the weights' dtype: float32 here.
  const auto normalizer = static_cast<float>(std::sqrt(static_cast<double>(D)));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < M * D; ++i) x[i] *= normalizer;
}

void gemma3_block(const Model& m, const WeightSet& w, const Batch& b, int l, Workspace& ws, float* x) {
  const HParams& hp = m.hparams();
  const int64_t M = b.rows(), D = hp.n_embd, F = hp.n_ff;
  float* h = ws.buffer("h", M * D);
  float* gate = ws.buffer("gate", M * F);
  float* up = ws.buffer("up", M * F);
  const std::string blk = "blk." + std::to_string(l) + ".";
  SelfAttention a = layer_self_attention(hp, l);
  a.before_rope = qk_rms_norm(w, blk, hp.norm_eps);
  apply_rms_norm(w, blk + "attn_norm", x, M, D, hp.norm_eps, h);
  apply_self_attention(w, blk, h, b, a, ws, h);
  apply_rms_norm(w, blk + "post_attention_norm", h, M, D, hp.norm_eps, h);
  ws.intervene(Site::AttnOut, l, h, M, D);
  add_inplace(x, h, M * D);
  apply_rms_norm(w, blk + "ffn_norm", x, M, D, hp.norm_eps, h);
  apply_linear(w, blk + "ffn_gate", h, M, gate, ws);
  apply_linear(w, blk + "ffn_up", h, M, up, ws);
  apply_gated_activation(hp.activation, gate, up, M * F);
  ws.intervene(Site::MlpHidden, l, gate, M, F);
  apply_linear(w, blk + "ffn_down", gate, M, h, ws);
  apply_rms_norm(w, blk + "post_ffw_norm", h, M, D, hp.norm_eps, h);
  ws.intervene(Site::MlpOut, l, h, M, D);
  add_inplace(x, h, M * D);
}

void gemma3_finish(const Model& m, const WeightSet& w, const Batch& b, Workspace& ws, const float* x) {
  const int64_t M = b.rows(), D = m.hparams().n_embd;
  apply_rms_norm(w, "output_norm", x, M, D, m.hparams().norm_eps, ws.hidden(M * D));
}

// The (tied) head, then final logit softcapping when the config sets it (Gemma 2 style).
void gemma3_head(const WeightSet& w, const float* hidden, int64_t rows, float* logits, Workspace& ws) {
  linear_output_head(w, hidden, rows, logits, ws);
  softcap_inplace(logits, rows * w.matrix("output.weight").out, w.model().hparams().final_softcap);
}

}  // namespace

const Architecture& gemma3_architecture() {
  static const Architecture a{"gemma3",      {"gemma3_text", "gemma3"}, read_gemma3, gemma3_tensors, gemma3_embed, gemma3_block, gemma3_finish,
                              {"lm_head.weight"}, nullptr,        gemma3_head};
  return a;
}

}  // namespace lq
