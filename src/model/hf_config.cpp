#include "model/hf_config.h"

#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "core/error.h"

namespace lq {
namespace {

int64_t bounded(const ModelConfig& c, const char* key, int64_t v, int64_t max) {
  if (v <= 0) fail(c.path(), std::string("'") + key + "' must be positive");
  if (v > max) fail(c.path(), std::string("'") + key + "' is " + std::to_string(v) + ", more than the " + std::to_string(max) + " langquant accepts");
  return v;
}

}  // namespace

int64_t read_hf_dim(const ModelConfig& c, std::initializer_list<const char*> keys) {
  return bounded(c, *keys.begin(), c.get_int(keys), kMaxHParamDim);
}

int64_t read_hf_dim(const ModelConfig& c, std::initializer_list<const char*> keys, int64_t def) {
  return bounded(c, *keys.begin(), c.get_int(keys, def), kMaxHParamDim);
}

int64_t read_hf_layers(const ModelConfig& c, std::initializer_list<const char*> keys) {
  return bounded(c, *keys.begin(), c.get_int(keys), kMaxHParamLayers);
}

float read_hf_epsilon(const ModelConfig& c, std::initializer_list<const char*> keys, double def) {
  const double v = c.get_float(keys, def);
  if (!(v >= 0 && v <= 1)) fail(c.path(), std::string("'") + *keys.begin() + "' must be between 0 and 1");
  return static_cast<float>(v);
}

std::optional<int32_t> read_hf_token_id(const ModelConfig& c, const char* key) {
  const auto v = c.find_int({key});
  if (!v) return std::nullopt;
  if (*v < 0 || *v > std::numeric_limits<int32_t>::max()) fail(c.path(), std::string("'") + key + "' must be a token id in [0, 2^31)");
  return static_cast<int32_t>(*v);
}

void read_hf_sizes(const ModelConfig& c, HParams& h, const char* ffn_key) {
  h.n_embd = read_hf_dim(c, {"hidden_size"});
  h.n_head = read_hf_dim(c, {"num_attention_heads"});
  h.n_head_kv = h.n_head;
  h.n_layer = read_hf_layers(c, {"num_hidden_layers"});
  h.n_vocab = read_hf_dim(c, {"vocab_size"});
  h.n_ctx = read_hf_dim(c, {"max_position_embeddings"});
  h.n_ff = read_hf_dim(c, {ffn_key});
  h.bos_id = read_hf_token_id(c, "bos_token_id");
  h.eos_id = read_hf_token_id(c, "eos_token_id");
}

void check_hparams(const ModelConfig& c, const HParams& h) {
  const std::pair<const char*, int64_t> dims[] = {
      {"vocabulary size", h.n_vocab}, {"context length", h.n_ctx}, {"hidden size", h.n_embd},
      {"attention heads", h.n_head},  {"key/value heads", h.n_head_kv}, {"feed-forward width", h.n_ff}};
  for (const auto& [what, v] : dims)
    if (v <= 0 || v > kMaxHParamDim)
      fail(c.path(), std::string(what) + " " + std::to_string(v) + " is outside 1.." + std::to_string(kMaxHParamDim));
  if (h.n_layer <= 0 || h.n_layer > kMaxHParamLayers)
    fail(c.path(), "layer count " + std::to_string(h.n_layer) + " is outside 1.." + std::to_string(kMaxHParamLayers));
  for (const auto& [what, v] : {std::pair{"head_dim", h.n_head_dim}, {"embedding projection", h.n_embd_proj},
                                {"sliding window", h.sliding_window}})
    if (v < 0 || v > kMaxHParamDim)
      fail(c.path(), std::string(what) + " " + std::to_string(v) + " is outside 0.." + std::to_string(kMaxHParamDim));
  if (h.head_dim() <= 0 || h.n_head * h.head_dim() > kMaxHParamDim)
    fail(c.path(), "attention width (heads x head size) must be in 1.." + std::to_string(kMaxHParamDim));
  if (!(std::isfinite(h.norm_eps) && h.norm_eps >= 0)) fail(c.path(), "the norm epsilon must be finite and not negative");
  const RopeParams& r = h.rope;
  if (r.n_rot < 0 || r.n_rot > h.head_dim()) fail(c.path(), "rotary dims must be within the head size");
  if (r.n_rot > 0) {
    if (!(std::isfinite(r.theta) && r.theta > 0)) fail(c.path(), "the rope base (rope_theta) must be finite and positive");
    for (double f : {r.factor, r.low_freq_factor, r.high_freq_factor})
      if (!(std::isfinite(f) && f > 0)) fail(c.path(), "rope_scaling factors must be finite and positive");
    if (r.original_ctx < 0 || r.original_ctx > kMaxHParamDim)
      fail(c.path(), "rope_scaling's original context must be in 0.." + std::to_string(kMaxHParamDim));
  }
}

}  // namespace lq
