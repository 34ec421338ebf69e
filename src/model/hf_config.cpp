#include "model/hf_config.h"

#include <string>
#include <utility>

#include "core/error.h"

namespace lq {

void read_hf_sizes(const ModelConfig& c, HParams& h, const char* ffn_key) {
  h.n_embd = c.get_int({"hidden_size"});
  h.n_head = c.get_int({"num_attention_heads"});
  h.n_head_kv = h.n_head;
  h.n_layer = c.get_int({"num_hidden_layers"});
  h.n_vocab = c.get_int({"vocab_size"});
  h.n_ctx = c.get_int({"max_position_embeddings"});
  h.n_ff = c.get_int({ffn_key});
  for (auto [key, v] : {std::pair{"hidden_size", h.n_embd}, {"num_attention_heads", h.n_head},
                        {"num_hidden_layers", h.n_layer}, {"vocab_size", h.n_vocab},
                        {"max_position_embeddings", h.n_ctx}, {ffn_key, h.n_ff}})
    if (v <= 0) fail(c.path(), std::string("'") + key + "' must be positive");
  if (auto b = c.find_int({"bos_token_id"})) h.bos_id = static_cast<int32_t>(*b);
  if (auto e = c.find_int({"eos_token_id"})) h.eos_id = static_cast<int32_t>(*e);
}

}  // namespace lq
