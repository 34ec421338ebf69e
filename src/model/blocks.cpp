#include "model/blocks.h"

#include "core/error.h"
#include "kernels/linear.h"
#include "kernels/ops.h"

namespace lq {

void apply_linear(const WeightSet& w, const std::string& name, const float* x, int64_t M, float* y,
                  Workspace& ws) {
  linear(x, M, w.matrix(name + ".weight"), w.vector(name + ".bias"), y, ws.scratch());
}

void apply_layer_norm(const WeightSet& w, const std::string& name, const float* x, int64_t M,
                      int64_t D, float eps, float* out) {
  const float* g = w.vector(name + ".weight");
  if (!g) fail(w.model().dir(), "model has no tensor " + name + ".weight");
  layer_norm(x, M, D, g, w.vector(name + ".bias"), eps, out);
}

void embed(const WeightSet& w, const Batch& b, int64_t D, int position_offset, float* x) {
  const bool has_pos = w.model().find("position_embd.weight") != nullptr;
  const int64_t n_vocab = w.matrix("token_embd.weight").out;
  for (int64_t r = 0; r < b.rows(); ++r)
    if (b.tokens[r] < 0 || b.tokens[r] >= n_vocab)
      fail(w.model().dir(), "token id " + std::to_string(b.tokens[r]) + " outside the vocabulary");
#pragma omp parallel
  {
    std::vector<float> pos(static_cast<size_t>(D));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < b.rows(); ++r) {
      float* row = x + r * D;
      w.embedding_row("token_embd.weight", b.tokens[r], row);
      if (has_pos) {
        w.embedding_row("position_embd.weight", b.positions[r] + position_offset, pos.data());
        for (int64_t d = 0; d < D; ++d) row[d] += pos[d];
      }
    }
  }
}

bool is_supported_activation(const std::string& name) {
  for (const char* n : {"gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu", "relu"})
    if (name == n) return true;
  return false;
}

void apply_activation(const std::string& name, float* x, int64_t n) {
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast")
    gelu_tanh_inplace(x, n);
  else if (name == "gelu")
    gelu_erf_inplace(x, n);
  else if (name == "relu")
    relu_inplace(x, n);
  else
    fail("activation", "unsupported activation function '" + name + "'");
}

void output_logits(const WeightSet& w, const float* hidden, int64_t rows, float* logits,
                   Workspace& ws) {
  apply_linear(w, "output", hidden, rows, logits, ws);
}

}  // namespace lq
