// Writes a checkpoint holding a plan's simulated weights: every tensor the plan changes is
// stored as its dequantized F32 values under its Hugging Face name and layout; the others
// are copied byte for byte. transformers loads the result, so anyone can score "the model as
// the plan leaves it" with their own tools (and our tests do, against langquant's eval).
// This is the simulation, not a compact deployable format.
#pragma once
#include <string>

#include "model/weight_set.h"

namespace lq::quant {

void write_simulated_checkpoint(const Model& model, const WeightSet& weights, const std::string& out_dir);

}  // namespace lq::quant
