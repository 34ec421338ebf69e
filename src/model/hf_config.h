// The config.json keys most Hugging Face architectures share (hidden_size, num_attention_heads,
// num_hidden_layers, vocab_size, max_position_embeddings, intermediate_size, bos/eos ids), read
// and checked once for every architecture that uses them, and the bounds every architecture's
// hyper-parameters are checked against (a crafted config.json gets an error, never overflow).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>

#include "formats/model_config.h"
#include "model/hparams.h"

namespace lq {

// Largest accepted dimension (width, feed-forward width, vocabulary, context, heads, head size):
// 2^24, 16 times the largest vocabularies and contexts published, and small enough that any
// product of two sizes fits int64 and 4 * size fits int.
inline constexpr int64_t kMaxHParamDim = int64_t{1} << 24;
// Largest accepted depth: published models have at most a few hundred blocks.
inline constexpr int64_t kMaxHParamLayers = 10000;

// A required size: an integer in [1, kMaxHParamDim] (kMaxHParamLayers for depth keys), else an
// error naming config.json and the key. The second form returns def when every alias is absent.
int64_t read_hf_dim(const ModelConfig& c, std::initializer_list<const char*> keys);
int64_t read_hf_dim(const ModelConfig& c, std::initializer_list<const char*> keys, int64_t def);
int64_t read_hf_layers(const ModelConfig& c, std::initializer_list<const char*> keys);
// A norm epsilon: a number in [0, 1] (checked before the cast to float, which would be
// undefined for a double beyond float's range); def when absent.
float read_hf_epsilon(const ModelConfig& c, std::initializer_list<const char*> keys, double def);
// An optional special token id: an integer in [0, 2^31).
std::optional<int32_t> read_hf_token_id(const ModelConfig& c, const char* key);

// Fills the sizes (n_head_kv = n_head) and special ids; fails naming config.json when a size
// is not positive or too large. ffn_key names the feed-forward width (OPT calls it "ffn_dim").
void read_hf_sizes(const ModelConfig& c, HParams& h, const char* ffn_key = "intermediate_size");

// The checks every architecture's reader ends with: every size positive and bounded (above),
// head layout consistent, rotary dims within the head, finite positive epsilons and RoPE
// parameters. Fails naming config.json.
void check_hparams(const ModelConfig& c, const HParams& h);

}  // namespace lq
