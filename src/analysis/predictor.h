// Which pre-quantization statistic predicts how much protecting a layer helps (research brief
// §3, Exp-035/048/057/058/066). Measured criticality comes from a sweep's JSON (plans tagged
// {"axis": "layers", "layer": N}); predictors are per-layer figures from `stats` JSON (weights)
// and optionally `activations` JSON. Each predictor is correlated with the criticality
// (Pearson and Spearman via correlation.h) and its top-k layers are compared with the measured
// top-k.
#pragma once
#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/correlation.h"

namespace lq::analysis {

// Objectives read from the sweep's group rows; every one is "lower is better".
//   lr_disparity   the group's mean disparity ratio (plans where it is unstable are skipped)
//   delta_bpb_gap  the group's mean delta_bpb minus the reference language's
//   kl             the group's mean KL divergence from full precision
const std::vector<std::string>& objective_names();

struct LayerCriticality {
  int layer = 0;
  std::string plan;            // the plan that protects this layer (or this layer's component)
  double objective = 0;        // the objective of that plan
  double objective_lo = 0, objective_hi = 0;  // its 95% bootstrap interval from the sweep JSON
  double criticality = 0;      // baseline objective - objective (positive: protecting helps)
};

// The criticality of every layer for one component ("" = whole layer, "mlp", "attn", ...).
// baseline: the base-only plan's name when the sweep has one (a plan with no keep rule at the
// same base as the layer plans); then criticality = objective(baseline) - objective(plan N).
// Without one, baseline is "" and the mean objective of the layer plans stands in for it:
// criticality = mean_M objective(M) - objective(N). That shift is the same for every layer,
// so correlations, rankings and top-k are identical to those against the true baseline.
// The sweep's intervals are per plan (marginal), so criticality itself has no interval.
struct CriticalityTable {
  std::string component;
  std::string baseline;
  double baseline_objective = 0;
  std::vector<LayerCriticality> layers;  // ascending layer
  std::vector<std::string> skipped;      // plans left out (unstable ratio, missing value)
};

// One table per component among the single-layer plans, in order of first appearance.
// Throws naming `where` when the JSON is not a sweep export, the group is missing, or no plan
// is tagged with a single layer.
std::vector<CriticalityTable> criticality_from_sweep(const nlohmann::json& sweep, const std::string& objective,
                                                     const std::string& group, const std::string& where);

// A predictor: a value per layer (layers without a value are absent).
struct PredictorSeries {
  std::string name;
  std::map<int, double> by_layer;
};

// From `stats` JSON's "layers": variance, kurtosis, skewness, max_abs, outlier shares, top
// shares, quantization error (every field present as a number in some layer).
std::vector<PredictorSeries> weight_predictors(const nlohmann::json& stats, const std::string& where);
// For a component table ("mlp", "attn", or a part such as "ffn_up"): the same figures pooled
// over only that component's weight matrices of each layer, from `stats` JSON's per-tensor
// entries (kind weight), named "<component>.<field>". Pooling is exact: variance, skewness and
// kurtosis through the raw moments E[w^k] = sum n_i E_i[w^k] / sum n_i, max_abs as the max,
// quant_mse n-weighted, quant_rel_error = sqrt(sum n_i mse_i / sum n_i E_i[w^2]) (only when
// every tensor has one). Empty for the whole-layer table ("").
std::vector<PredictorSeries> component_predictors(const nlohmann::json& stats, const std::string& component,
                                                  const std::string& where);
// Per-tensor statistics: for every weight role the stats JSON has inside blocks
// (blk.N.<role>.weight: attn_qkv, ffn_up, ffn_down, ...), component_predictors(stats, role), so
// "ffn_down.kurtosis" is the kurtosis of layer N's ffn_down alone. Roles in sorted order.
std::vector<PredictorSeries> tensor_predictors(const nlohmann::json& stats, const std::string& where);
// From `activations` JSON: per layer, the mean over languages of rms, max_abs, kurtosis and
// plan_rel_error (prefixed "act_"); a language lacking the layer's value leaves it out.
std::vector<PredictorSeries> activation_predictors(const nlohmann::json& act, const std::string& where);

// The k indices with the largest direction * v (ties: lower index first); k is clipped to n.
std::vector<int> top_k(const std::vector<double>& v, int k, int direction = 1);
// |top_k(pred, k, direction) ∩ top_k(crit, k, +1)|.
int top_k_overlap(const std::vector<double>& pred, const std::vector<double>& crit, int k, int direction);

struct PredictorResult {
  std::string name;
  std::vector<int> layers;      // layers with both a predictor value and a criticality
  std::vector<double> x, y;     // predictor, criticality on those layers
  Correlation pearson, spearman;
  int direction = 1;            // sign of Spearman's r (+1 when r is 0 or undefined)
  int k = 0, overlap = 0;       // top-k overlap, predictor (in its direction) vs criticality;
                                // -1 when the predictor is constant (Spearman r undefined)
};

// Sorts predictors (anything with .name and .spearman) strongest first: |Spearman r| descending,
// undefined r last, ties by name.
template <class T>
void sort_by_spearman(std::vector<T>& v) {
  std::stable_sort(v.begin(), v.end(), [](const T& a, const T& b) {
    const bool na = std::isnan(a.spearman.r), nb = std::isnan(b.spearman.r);
    if (na != nb) return nb;
    if (!na && std::abs(a.spearman.r) != std::abs(b.spearman.r)) return std::abs(a.spearman.r) > std::abs(b.spearman.r);
    return a.name < b.name;
  });
}

// Every predictor with at least 3 layers in common with the table, sorted by |Spearman r|
// descending (undefined r last, then by name).
std::vector<PredictorResult> evaluate_predictors(const CriticalityTable& t, const std::vector<PredictorSeries>& preds,
                                                 int k, const CorrelationOptions& opt);

}  // namespace lq::analysis
