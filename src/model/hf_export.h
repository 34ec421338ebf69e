// Writes a Hugging Face checkpoint folder (config.json, model.safetensors, tokenizer.json) of
// the weights a WeightSet gives a model: its stored weights (`langquant convert` of a GGUF file:
// every ggml block dequantized) or a plan's simulated ones (`plan apply`). Tensors go under
// their Hugging Face names and layouts, so transformers loads the folder.
#pragma once
#include <string>

#include "core/dtype.h"
#include "model/weight_set.h"

namespace lq {

enum class Rounding {
  Exact,   // every value must be exact in the target dtype, else an error naming the tensor
  Nearest  // round to nearest even (convert --dtype bf16: an approximation the user chose)
};

// Tensors of a Hugging Face source that the set leaves as stored are copied byte for byte;
// everything else is written as dtype (F32, F16 or BF16). Files appear whole or not at all.
void write_hf_checkpoint(const Model& model, const WeightSet& weights, const std::string& out_dir, DType dtype,
                         Rounding rounding);

}  // namespace lq
