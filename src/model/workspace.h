// Buffers a forward pass reuses from batch to batch (touching fresh memory is slow here), plus
// the final hidden states it leaves behind for the output head.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kernels/attention.h"
#include "kernels/linear.h"

namespace lq {

// The activations of a forward that an intervention may read or overwrite (causal patching),
// in the order a block computes them. `layer` is the block; every architecture's forward
// calls Workspace::intervene at each of these points, and nothing else changes when no
// intervention is set.
enum class Site {
  Residual,   // [rows, n_embd] the residual stream entering block `layer` (the embeddings for
              // layer 0); layer == n_layer: after the last block, before the final norm
  AttnHeads,  // [rows, n_head * head_dim] the heads' outputs, before the output projection
  AttnOut,    // [rows, n_embd] the attention sub-layer's output as it is added to the residual
              // stream (after Gemma's post-attention norm)
  MlpHidden,  // [rows, n_ff] the feed-forward's hidden activations, the input of ffn_down
  MlpOut,     // [rows, n_embd] the feed-forward's output as it is added (after Gemma's post-norm)
};
const char* site_name(Site s);

class Workspace {
 public:
  // A named buffer of at least n floats, kept across calls.
  float* buffer(const std::string& name, size_t n);
  float* hidden(size_t n) { return buffer("hidden", n); }
  const float* hidden() const { return buffers_.at("hidden").data(); }
  LinearScratch& scratch() { return scratch_; }

  // Optional per-block observer (activation statistics): every architecture's forward calls
  // observe() after each block with that block's output, the residual stream [rows, dim].
  using BlockObserver = std::function<void(int layer, const float* hidden, int64_t rows, int64_t dim)>;
  void set_observer(BlockObserver f) { observer_ = std::move(f); }
  void observe(int layer, const float* hidden, int64_t rows, int64_t dim) const {
    if (observer_) observer_(layer, hidden, rows, dim);
  }

  // Optional intervention at every Site: it may read x [rows, dim] or overwrite it in place.
  using Intervention = std::function<void(Site site, int layer, float* x, int64_t rows, int64_t dim)>;
  void set_intervention(Intervention f) { intervention_ = std::move(f); }
  void intervene(Site site, int layer, float* x, int64_t rows, int64_t dim) const {
    if (intervention_) intervention_(site, layer, x, rows, dim);
  }

  // Optional observer of attention weights (attention sinks): apply_self_attention hands it to
  // the attention kernel with the block's layer (AttentionRow in kernels/attention.h).
  using AttentionObserver = std::function<void(int layer, const AttentionRow& row)>;
  void set_attention_observer(AttentionObserver f) { attention_observer_ = std::move(f); }
  const AttentionObserver& attention_observer() const { return attention_observer_; }

  // Optional observer of every linear's input (importance matrices): apply_linear calls it with
  // the canonical matrix name (no ".weight") and x [rows, cols] before multiplying.
  using LinearObserver = std::function<void(const std::string& name, const float* x, int64_t rows, int64_t cols)>;
  void set_linear_observer(LinearObserver f) { linear_observer_ = std::move(f); }
  void observe_linear(const std::string& name, const float* x, int64_t rows, int64_t cols) const {
    if (linear_observer_) linear_observer_(name, x, rows, cols);
  }

 private:
  std::map<std::string, std::vector<float>> buffers_;
  LinearScratch scratch_;
  BlockObserver observer_;
  LinearObserver linear_observer_;
  Intervention intervention_;
  AttentionObserver attention_observer_;
};

}  // namespace lq
