// The config.json keys most Hugging Face architectures share (hidden_size, num_attention_heads,
// num_hidden_layers, vocab_size, max_position_embeddings, intermediate_size, bos/eos ids), read
// and checked once for every architecture that uses them.
#pragma once
#include "formats/model_config.h"
#include "model/hparams.h"

namespace lq {

// Fills the sizes (n_head_kv = n_head) and special ids; fails naming config.json when a size
// is not positive. ffn_key names the feed-forward width (OPT calls it "ffn_dim").
void read_hf_sizes(const ModelConfig& c, HParams& h, const char* ffn_key = "intermediate_size");

}  // namespace lq
