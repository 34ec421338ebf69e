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
  // The forward in three stages, so that plans whose first blocks have the same weights compute
  // them once (eval/plan_tree.h). embed writes the residual stream x [batch rows, n_embd];
  // block(l) updates x in place; finish writes the final hidden rows [batch rows, n_embd] to
  // ws.hidden() and leaves x as it was. Stages keep no state between calls (all a block needs
  // comes from the model, the weights and the batch), so a forward resumed from a copy of x is
  // bit-identical to one run straight through. The Residual intervention and the block observer
  // belong to forward() / run_stage(), not to the stages.
  void (*embed)(const Model&, const WeightSet&, const Batch&, Workspace&, float* x);
  void (*block)(const Model&, const WeightSet&, const Batch&, int layer, Workspace&, float* x);
  void (*finish)(const Model&, const WeightSet&, const Batch&, Workspace&, const float* x);
  // Checkpoint tensors that are buffers, not weights (e.g. GPT-2's "attn.bias" causal mask).
  std::vector<std::string> ignored_suffixes;
  // config.json for a new checkpoint of these hyper-parameters (used by `langquant init`).
  nlohmann::json (*make_config)(const HParams&) = nullptr;
  // The output head: logits[rows, n_vocab] from the rows forward left in ws.hidden(). nullptr:
  // the plain head of output_logits (blocks.h). Gemma's final logit softcapping lives here.
  void (*head)(const WeightSet&, const float* hidden, int64_t rows, float* logits, Workspace&) = nullptr;

  // The whole forward: fills ws.hidden() with [batch rows, n_embd] (x lives in ws's "x").
  void forward(const Model& m, const WeightSet& w, const Batch& b, Workspace& ws) const;
  // One stage of it on the residual stream x: 0 embed, 1..n_layer block stage - 1, n_layer + 1
  // finish. Calls the Workspace's Residual intervention before each block and before finish,
  // and its block observer after each block, exactly as forward() does.
  void run_stage(const Model& m, const WeightSet& w, const Batch& b, int stage, Workspace& ws, float* x) const;
};

// The forward stage that reads a tensor, by canonical name: "blk.N." -> N + 1; the embeddings
// ("token_*", "position_*") -> 0; "output_norm.*" and "output_transform.*" -> n_layer + 1;
// kHeadOnly for the output head's own tensors ("output.*", "output_proj.*"), which no stage
// reads; kEveryStage for a name none of these rules knows (safe: it keeps plans that differ in
// it from sharing any stage).
constexpr int kHeadOnly = -2;
constexpr int kEveryStage = -1;
int forward_stage_of(const std::string& canonical, int64_t n_layer);

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
