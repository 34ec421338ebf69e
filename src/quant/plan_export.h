// Writes a checkpoint holding a plan's simulated weights: every tensor the plan changes is
// stored as its dequantized F32 values under its Hugging Face name and layout; the others
// are copied byte for byte. transformers loads the result, so anyone can score "the model as
// the plan leaves it" with their own tools (and our tests do, against langquant's eval).
// This is the simulation, not a compact deployable format.
//
// dtype F16 or BF16 stores the changed tensors in that dtype instead, for plans whose values it
// holds exactly (e.g. "base=fp16": a half-size copy of an F32 checkpoint); a value it would
// round is an error naming the tensor, so the written model is always exactly the plan's.
#pragma once
#include <string>

#include "core/dtype.h"
#include "model/weight_set.h"

namespace lq::quant {

void write_simulated_checkpoint(const Model& model, const WeightSet& weights, const std::string& out_dir,
                                DType dtype = DType::F32);

}  // namespace lq::quant
