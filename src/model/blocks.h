// Building blocks shared by the architectures' forwards, addressed by canonical names.
#pragma once
#include <string>

#include "model/batch.h"
#include "model/weight_set.h"
#include "model/workspace.h"

namespace lq {

// y[M, out] = x W^T + b for the tensor pair "<name>.weight" / "<name>.bias" (bias optional).
void apply_linear(const WeightSet& w, const std::string& name, const float* x, int64_t M, float* y,
                  Workspace& ws);
// out = LayerNorm(x) with "<name>.weight" / "<name>.bias".
void apply_layer_norm(const WeightSet& w, const std::string& name, const float* x, int64_t M,
                      int64_t D, float eps, float* out);
// x[r] = token_embd[tokens[r]] (+ position_embd[positions[r] + position_offset] when present).
void embed(const WeightSet& w, const Batch& b, int64_t D, int position_offset, float* x);
// Whether apply_activation knows this config.json activation name.
bool is_supported_activation(const std::string& name);
// In-place activation by its config.json name; throws on names it does not know.
void apply_activation(const std::string& name, float* x, int64_t n);
// logits[rows, n_vocab] of hidden rows [row0, row0 + rows) through the "output" head.
void output_logits(const WeightSet& w, const float* hidden, int64_t rows, float* logits,
                   Workspace& ws);

}  // namespace lq
