// Buffers a forward pass reuses from batch to batch (touching fresh memory is slow here), plus
// the final hidden states it leaves behind for the output head.
#pragma once
#include <cstdint>
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

 private:
  std::map<std::string, std::vector<float>> buffers_;
  LinearScratch scratch_;
};

}  // namespace lq
