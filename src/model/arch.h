// An architecture is data plus a small forward: a config reader, a table mapping Hugging Face
// tensor names onto canonical names (with the storage layout of each), and a forward function
// that only ever asks for canonical names. Adding an architecture = one file defining one
// Architecture, plus its line in registry.cpp; forwards never include each other.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/model_config.h"
#include "model/hparams.h"

namespace lq {

class Model;
class WeightSet;
struct Batch;
class Workspace;

struct TensorRow {
  std::string canonical;              // may contain "{L}" for per-block tensors
  std::vector<std::string> hf_names;  // candidates, first present wins; may contain "{L}"
  bool in_major = false;              // stored [in, out]
  bool required = true;
  std::vector<int64_t> shape = {};    // stored shape the config implies (checked at load)
  // Fused QKV (weight rows / bias entries) stored per head, [n_head, 3, head_dim] (GPT-NeoX,
  // BLOOM), instead of [3, n_head, head_dim] (q | k | v). The weights stay as stored (exports and
  // quantization see the checkpoint's order); apply_self_attention re-views the projected rows.
  bool qkv_per_head = false;
};

struct Architecture {
  std::string name;                      // e.g. "gpt2"
  std::vector<std::string> model_types;  // config.json model_type values it serves
  HParams (*read_hparams)(const ModelConfig&);
  std::vector<TensorRow> (*tensor_table)(const HParams&);
  // Runs the blocks and the final norm: fills ws.hidden() with [batch rows, n_embd].
  void (*forward)(const Model&, const WeightSet&, const Batch&, Workspace&);
  // Checkpoint tensors that are buffers, not weights (e.g. GPT-2's "attn.bias" causal mask).
  std::vector<std::string> ignored_suffixes;
  // config.json for a new checkpoint of these hyper-parameters (used by `langquant init`).
  nlohmann::json (*make_config)(const HParams&) = nullptr;
};

const Architecture& find_architecture(const ModelConfig& config);
std::vector<std::string> architecture_names();

// One accessor per architecture file; registry.cpp lists them (explicit, so no linker tricks).
const Architecture& gpt2_architecture();
const Architecture& llama_architecture();     // llama, mistral, qwen2
const Architecture& opt_architecture();
const Architecture& gpt_neox_architecture();
const Architecture& bloom_architecture();
const Architecture& bert_architecture();

}  // namespace lq
