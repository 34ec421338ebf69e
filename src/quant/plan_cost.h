// What a resolved plan costs: overhead (share of parameters kept above the base format),
// effective bits per weight and stored bytes.
//
// Counting: each tensor is stored dense in its whole-tensor format (stored_bytes of format.h,
// 1-D tensors as one row); elements kept by top=/random= are stored besides, as a sparse list:
// each kept value at its keep format (one row of m values: stored_bits(keep, 1, m)) plus a
// 32-bit index per kept element. A tensor's bits are rounded up to whole bytes once. A tied
// tensor is one tensor and counts once.
#pragma once
#include <cstdint>
#include <vector>

#include "quant/plan_resolve.h"

namespace lq::quant {

inline constexpr int kIndexBits = 32;  // per element kept by an element selector

struct TensorCost {
  int64_t params = 0;
  int64_t kept = 0;        // parameters above base: all of them if the tensor's format differs
                           // from base with at least base's bit width, else its kept elements
  int64_t lowered = 0;     // parameters at a format of fewer bits than base
  uint64_t bits = 0;
  uint64_t bytes = 0;
};

struct PlanCost {
  std::vector<TensorCost> tensors;  // same order as ResolvedPlan::tensors
  int64_t params = 0, kept = 0, lowered = 0;
  uint64_t bytes = 0;
  uint64_t base_bytes = 0;        // every tensor at the base format (with the ggml fallback)
  uint64_t fp32_bytes = 0;        // 4 bytes a parameter
  uint64_t checkpoint_bytes = 0;  // as stored in the safetensors files
  double overhead() const { return params ? static_cast<double>(kept) / static_cast<double>(params) : 0; }
  double bits_per_weight() const { return params ? 8.0 * static_cast<double>(bytes) / static_cast<double>(params) : 0; }
};

PlanCost plan_cost(const ResolvedPlan& rp, const Model& model);

}  // namespace lq::quant
