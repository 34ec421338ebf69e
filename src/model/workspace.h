// Buffers a forward pass reuses from batch to batch (touching fresh memory is slow here), plus
// the final hidden states it leaves behind for the output head.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kernels/linear.h"

namespace lq {

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
};

}  // namespace lq
