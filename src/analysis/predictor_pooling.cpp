#include "analysis/predictor_pooling.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "analysis/pooled_correlation.h"
#include "core/error.h"

namespace lq::analysis {
namespace {

// (predictor value, criticality) on the layers of `m` that have both.
struct Pairs {
  std::vector<double> x, y;
};

Pairs pairs_of(const ModelCriticality& m, const PredictorSeries& p) {
  Pairs out;
  for (const auto& l : m.table.layers)
    if (auto it = p.by_layer.find(l.layer); it != p.by_layer.end()) {
      out.x.push_back(it->second);
      out.y.push_back(l.criticality);
    }
  return out;
}

const PredictorSeries* find(const ModelCriticality& m, const std::string& name) {
  for (const auto& p : m.predictors)
    if (p.name == name) return &p;
  return nullptr;
}

// Names every one of `models` has on at least 3 layers, in the first model's order.
std::vector<std::string> common_names(const std::vector<const ModelCriticality*>& models) {
  std::vector<std::string> out;
  for (const auto& p : models.front()->predictors) {
    bool everywhere = true;
    for (const auto* m : models) {
      const PredictorSeries* q = find(*m, p.name);
      everywhere = everywhere && q && pairs_of(*m, *q).x.size() >= 3;
    }
    if (everywhere) out.push_back(p.name);
  }
  return out;
}

std::vector<PooledPredictor> pool(const std::vector<const ModelCriticality*>& models, const CorrelationOptions& o) {
  std::vector<PooledPredictor> out;
  for (const auto& name : common_names(models)) {
    std::vector<double> x, y;
    std::vector<int> group;
    for (size_t g = 0; g < models.size(); ++g) {
      const Pairs p = pairs_of(*models[g], *find(*models[g], name));
      x.insert(x.end(), p.x.begin(), p.x.end());
      y.insert(y.end(), p.y.begin(), p.y.end());
      group.insert(group.end(), p.x.size(), static_cast<int>(g));
    }
    PooledPredictor r;
    r.name = name;
    r.n = static_cast<int>(x.size());
    r.pearson = pooled_correlation("pearson", x, y, group, o);
    r.spearman = pooled_correlation("spearman", x, y, group, o);
    r.direction = r.spearman.r < 0 ? -1 : 1;
    out.push_back(std::move(r));
  }
  sort_by_spearman(out);
  return out;
}

}  // namespace

std::vector<PooledPredictor> pool_predictors(const std::vector<ModelCriticality>& models, const CorrelationOptions& o) {
  if (models.empty()) return {};
  std::vector<const ModelCriticality*> all;
  for (const auto& m : models) all.push_back(&m);
  return pool(all, o);
}

std::vector<HeldOutCheck> leave_one_model_out(const std::vector<ModelCriticality>& models, int k,
                                              const CorrelationOptions& o) {
  if (models.size() < 2) fail("predict", "leaving one model out needs at least 2 models");
  CorrelationOptions choose = o;  // choosing needs only each r
  choose.bootstrap = 0;
  choose.permutations = 0;
  std::vector<HeldOutCheck> out;
  for (size_t h = 0; h < models.size(); ++h) {
    std::vector<const ModelCriticality*> train;
    for (size_t m = 0; m < models.size(); ++m)
      if (m != h) train.push_back(&models[m]);
    HeldOutCheck c;
    c.model = models[h].model;
    for (const auto& p : pool(train, choose)) {
      const PredictorSeries* q = find(models[h], p.name);
      if (std::isnan(p.spearman.r) || !q || pairs_of(models[h], *q).x.size() < 3) continue;
      c.predictor = p.name;
      c.direction = p.direction;
      c.train_spearman = p.spearman.r;
      break;
    }
    if (!c.predictor.empty()) {
      Pairs test = pairs_of(models[h], *find(models[h], c.predictor));
      c.n = static_cast<int>(test.x.size());
      for (double& v : test.x) v *= c.direction;  // higher = predicted more critical
      c.spearman = spearman(test.x, test.y, o);
      c.k = std::min(k, c.n);
      c.overlap = std::isnan(c.spearman.r) ? -1 : top_k_overlap(test.x, test.y, c.k, 1);
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace lq::analysis
