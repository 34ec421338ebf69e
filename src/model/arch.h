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
struct TensorInfo;
class WeightSet;
struct Batch;
class Workspace;

// A tensor whose Hugging Face values follow another convention than the canonical (GGUF) one,
// element by element on F32 values. Gemma's RMSNorm weights: transformers stores w and
// multiplies by 1 + w, GGUF stores 1 + w. The loader maps tensors read from a Hugging Face
// checkpoint with to_canonical (in F32, so BF16 storage loses nothing) and leaves GGUF tensors
// alone; writing a Hugging Face checkpoint (`convert`, exports) maps back with to_hf.
struct ValueMap {
  const char* what;  // for messages and inspect, e.g. "1 + w"
  void (*to_canonical)(float* x, int64_t n);
  void (*to_hf)(float* x, int64_t n);
};
// Gemma's norms (every Gemma3RMSNorm: block norms, q/k norms, final norm): canonical = 1 + w.
const ValueMap& norm_plus_one();

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
  const ValueMap* hf_values = nullptr;  // set: Hugging Face values differ from canonical ones
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
  // The output head: logits[rows, n_vocab] from the rows forward left in ws.hidden(). nullptr:
  // the plain head of output_logits (blocks.h). Gemma's final logit softcapping lives here.
  void (*head)(const WeightSet&, const float* hidden, int64_t rows, float* logits, Workspace&) = nullptr;
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
const Architecture& gemma3_architecture();    // gemma3_text, gemma3 (its text model)

}  // namespace lq
