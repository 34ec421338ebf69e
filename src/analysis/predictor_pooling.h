// Predictors of layer criticality judged across several models (issue 15 item 6). On one model a
// dozen layers and forty candidate statistics make the best in-sample |r| look convincing by
// chance alone. Two checks that can come out wrong in public:
//   pooled      each predictor's correlation with criticality over the layers of every model,
//               within models (analysis/pooled_correlation.h: each model centred or ranked on
//               its own), with a bootstrap interval and a permutation p inside models;
//   held out    leave one model out: choose the predictor (and its sign) with the largest pooled
//               |Spearman| on the other models, then measure on the held-out model how well it
//               ranks that model's layers (Spearman r with interval and p) and its top-k overlap.
// A predictor is pooled only when every model has it on at least 3 layers with a criticality.
#pragma once
#include <string>
#include <vector>

#include "analysis/predictor.h"

namespace lq::analysis {

struct ModelCriticality {
  std::string model;               // a name for the reader (the sweep file)
  CriticalityTable table;          // one component's criticality on this model
  std::vector<PredictorSeries> predictors;
};

struct PooledPredictor {
  std::string name;
  int n = 0;                       // layers over all models
  Correlation pearson, spearman;   // within-model pooled
  int direction = 1;               // sign of the pooled Spearman r (+1 when undefined)
};

// Sorted by |pooled Spearman| descending (undefined last, then by name).
std::vector<PooledPredictor> pool_predictors(const std::vector<ModelCriticality>& models, const CorrelationOptions& o);

struct HeldOutCheck {
  std::string model;               // the held-out model
  std::string predictor;           // chosen on the other models ("" when none was defined there)
  int direction = 1;
  double train_spearman = 0;       // its pooled Spearman r on the other models
  int n = 0;                       // the held-out model's layers with a value
  Correlation spearman;            // rank agreement on the held-out model, predictor in its direction
  int k = 0, overlap = -1;         // top-k overlap on the held-out model
};

// Needs at least 2 models; throws lq::Error otherwise.
std::vector<HeldOutCheck> leave_one_model_out(const std::vector<ModelCriticality>& models, int k,
                                              const CorrelationOptions& o);

}  // namespace lq::analysis
