// Distribution statistics of a model's weights, per tensor and pooled per layer and per
// component, plus the error each tensor takes under a quantization format: the
// pre-quantization quantities the seeds correlated with criticality (variance, kurtosis,
// outlier ratios, sparsity, dense-vs-sparse magnitude, super weights).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/model.h"
#include "quant/format.h"

namespace lq::analysis {

// Statistics of one set of weights (a tensor, or all tensors of a layer or component).
struct WeightStats {
  int64_t n = 0;
  double mean = 0, variance = 0;   // population variance
  double skewness = 0, kurtosis = 0;  // biased, Fisher (excess); NaN for constant values
  double max_abs = 0;
  // Share of weights with |w - mean| > k * std for k = 3, 5, 10 (std: population).
  std::array<double, 3> outliers{};
  // Share of sum |w| held by the ceil(n/10000), ceil(n/100), ceil(n/10) largest |w|.
  std::array<double, 3> top_share{};
  double sparsity = 0;   // share of exact zeros (+0 and -0)
  double near_zero = 0;  // share with |w| < 1e-6 * max_abs
  // Quantization under the chosen format: ||w - q(w)||_F / ||w||_F and mean (w - q(w))^2.
  // Absent when the format does not apply to the tensor's shape (ggml blocks need rows of a
  // multiple of 32); a pooled value covers only its tensors that have one.
  std::optional<double> quant_rel_error, quant_mse;
};

struct SuperWeight {
  double value = 0;       // the weight with the largest |w| (first one in logical order)
  int64_t row = 0, col = 0;  // in logical [out, in] order (1-D tensors: row 0)
  double median_abs = 0;  // median |w| of the tensor (mean of the middle two for even n)
  double ratio = 0;       // |value| / median_abs (inf when the median is 0)
};

struct TensorStats {
  const TensorInfo* tensor = nullptr;
  WeightStats stats;
  SuperWeight super_weight;
  std::string quant_note;  // why quant_rel_error is absent
};

struct GroupStats {
  std::string name;  // "0", "1", ... for layers; "attention", "mlp", ... for components
  int layer = -1;
  std::vector<int> tensors;  // indices into ModelStats::tensors
  WeightStats stats;
};

struct ModelStats {
  std::string format;  // canonical format name
  bool pool_all = false;  // groups pool every tensor, not only weight matrices
  std::vector<TensorStats> tensors;  // Model::tensors() order
  std::vector<GroupStats> layers, components;
};

// One tensor at a time: at most a few F32 copies of the largest tensor are held.
// Layers and components pool only weight matrices (kind weight) unless pool_all: norm scales
// (near 1) and biases (near 0) would otherwise dominate a layer's variance and kurtosis.
ModelStats weight_stats(const Model& model, const quant::Format& format, bool pool_all = false, bool quiet = true);

}  // namespace lq::analysis
