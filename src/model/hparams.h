// Architecture-neutral hyper-parameters read from config.json by each architecture.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace lq {

struct HParams {
  int64_t n_vocab = 0, n_ctx = 0, n_embd = 0, n_head = 0, n_head_kv = 0, n_layer = 0, n_ff = 0;
  float norm_eps = 1e-5f;
  std::string activation;         // as named in config.json, e.g. "gelu_new"
  std::optional<int32_t> bos_id;  // prepended when scoring sentence by sentence
  std::optional<int32_t> eos_id;
  bool tied_output = true;        // output head shares token_embd
  bool scale_attn_by_inverse_layer_idx = false;

  int64_t head_dim() const { return n_embd / n_head; }
};

}  // namespace lq
