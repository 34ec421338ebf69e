// Builds the WeightSet a forward pass reads under a plan: every tensor whose resolved format
// changes its stored values is quantized once and overrides the stored tensor. Matrices are
// held compressed (QuantizedMatrix: codes and scales, ggml blocks or binary16, with the
// elements a plan keeps as a patch list), so a 4-bit plan of a 7B model takes ~4 GB rather
// than 28; 1-D tensors are small and held as fake-quantized F32. Both are cached by (tensor,
// format, kept elements), so plans that give a tensor the same treatment share one copy.
#pragma once
#include <map>
#include <mutex>
#include <string>

#include "model/weight_set.h"
#include "quant/plan_resolve.h"

namespace lq::quant {

class QuantCache {
 public:
  // The cached buffer for `key`, computing it with make() the first time.
  template <class F>
  SharedFloats get(const std::string& key, F&& make) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = map_.find(key); it != map_.end()) return it->second;
    }
    SharedFloats v = make();
    std::lock_guard<std::mutex> lock(mu_);
    return map_.emplace(key, std::move(v)).first->second;
  }
  // The same for compressed matrices.
  template <class F>
  SharedDecoder get_matrix(const std::string& key, F&& make) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = matrices_.find(key); it != matrices_.end()) return it->second;
    }
    SharedDecoder v = make();
    std::lock_guard<std::mutex> lock(mu_);
    return matrices_.emplace(key, std::move(v)).first->second;
  }
  size_t size() const { return map_.size() + matrices_.size(); }
  void clear() {
    map_.clear();
    matrices_.clear();
  }

 private:
  std::mutex mu_;
  std::map<std::string, SharedFloats> map_;
  std::map<std::string, SharedDecoder> matrices_;
};

// True when the tensor's stored values already are what the plan gives it (fp32 on any
// stored float type, fp16 on F16, bf16 on BF16, and no element groups).
bool keeps_stored_values(const ResolvedTensor& r, const TensorInfo& t);

// The fake-quantized values of one tensor (logical order): the whole tensor at r.format, then
// each element group's kept elements replaced by their original values quantized at the
// group's format as one row of their own (fp16 rounds each value; intK scales over the kept
// set). Non-kept elements are quantized with the kept ones still in the tensor (as the seeds
// did: quantize all, then restore the protected weights).
std::vector<float> quantized_values(const ResolvedTensor& r, const TensorInfo& t);

// The same values held compressed (r.format must be Int, ggml, F16 or BF16, t a matrix);
// expanding it gives exactly quantized_values(r, t). With r.quant_weights (an imatrix plan) the
// ggml blocks are ggml's importance-weighted ones, byte for byte what llama-quantize writes.
SharedDecoder quantized_matrix(const ResolvedTensor& r, const TensorInfo& t);

// Cache key: tensor, format, the importance weights' hash (plans with an imatrix) and a hash of
// every group's format and indices.
std::string cache_key(const ResolvedTensor& r, const TensorInfo& t);

WeightSet build_weight_set(const Model& model, const ResolvedPlan& rp, QuantCache& cache);

}  // namespace lq::quant
