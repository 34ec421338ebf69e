// analysis/predictor_pooling.h: pooling within models and leaving one model out, on models whose
// criticality a known statistic explains (up to each model's own offset and scale).
#include "analysis/predictor_pooling.h"

#include <gtest/gtest.h>

#include <cmath>

#include "analysis/pooled_correlation.h"
#include "core/error.h"

namespace lq::analysis {
namespace {

// Model m: criticality of layer l = f_m(l) for a permutation-like pattern; "good" = 10 m + 3 crit
// (same order), "inverse" = -crit (opposite order), "noise" = a fixed unrelated pattern, "only_a"
// on the first model alone.
ModelCriticality model(int m, const std::vector<double>& crit) {
  ModelCriticality out;
  out.model = "m" + std::to_string(m);
  PredictorSeries good{"good", {}}, inverse{"inverse", {}}, noise{"noise", {}}, only{"only_a", {}};
  const double noise_pattern[] = {0.3, -1.2, 2.2, 0.1, -0.4, 1.7};
  for (size_t l = 0; l < crit.size(); ++l) {
    LayerCriticality c;
    c.layer = static_cast<int>(l);
    c.criticality = crit[l];
    out.table.layers.push_back(c);
    good.by_layer[c.layer] = 10 * m + 3 * crit[l];
    inverse.by_layer[c.layer] = -crit[l];
    noise.by_layer[c.layer] = noise_pattern[l % 6] + m;
    only.by_layer[c.layer] = crit[l];
  }
  out.predictors = {noise, good, inverse};
  if (m == 0) out.predictors.push_back(only);
  return out;
}

std::vector<ModelCriticality> three_models() {
  return {model(0, {0.5, 2.0, 1.0, 3.0, 0.2, 1.5}), model(1, {4.0, 1.0, 2.5, 0.5, 3.5, 2.0}),
          model(2, {1.1, 0.9, 3.3, 2.2, 0.4, 0.6})};
}

TEST(PredictorPooling, PoolsWithinModelsAndSortsByPooledRho) {
  CorrelationOptions o;
  o.bootstrap = 200;
  o.permutations = 500;
  const auto models = three_models();
  const auto pooled = pool_predictors(models, o);
  ASSERT_EQ(pooled.size(), 3u);  // "only_a" is missing on two models
  // good and inverse both rank every model's layers exactly: |rho| = 1, sorted by name.
  EXPECT_EQ(pooled[0].name, "good");
  EXPECT_DOUBLE_EQ(pooled[0].spearman.r, 1);
  EXPECT_EQ(pooled[0].direction, 1);
  EXPECT_EQ(pooled[0].n, 18);
  EXPECT_EQ(pooled[1].name, "inverse");
  EXPECT_EQ(pooled[1].direction, -1);
  EXPECT_EQ(pooled[2].name, "noise");
  // The pooled value is pooled_correlation's on the concatenated pairs.
  std::vector<double> x, y;
  std::vector<int> g;
  for (int m = 0; m < 3; ++m)
    for (const auto& l : models[m].table.layers) {
      x.push_back(models[m].predictors[0].by_layer.at(l.layer));
      y.push_back(l.criticality);
      g.push_back(m);
    }
  EXPECT_DOUBLE_EQ(pooled[2].spearman.r, pooled_correlation("spearman", x, y, g, o).r);
}

TEST(PredictorPooling, LeaveOneModelOutChoosesOnTheOthersAndJudgesOnTheHeldOut) {
  CorrelationOptions o;
  o.bootstrap = 100;
  o.permutations = 2000;
  const auto held = leave_one_model_out(three_models(), 2, o);
  ASSERT_EQ(held.size(), 3u);
  for (const auto& h : held) {
    EXPECT_EQ(h.predictor, "good") << h.model;  // ties with "inverse" go to the name first in order
    EXPECT_EQ(h.n, 6);
    EXPECT_DOUBLE_EQ(h.spearman.r, 1);
    EXPECT_EQ(h.overlap, 2);
    EXPECT_LT(h.spearman.p_value, 0.01);  // 2/6! = 0.0028 is the floor
  }
  EXPECT_THROW(leave_one_model_out({three_models()[0]}, 2, o), Error);
}

TEST(PredictorPooling, APredictorGoodOnOneModelOnlyFailsHeldOut) {
  // "flip" ranks model 0's layers exactly but the other two in reverse: pooled it is weak, and
  // holding out model 0 picks a predictor from the others that then ranks model 0 wrongly.
  auto models = three_models();
  for (auto& m : models) {
    PredictorSeries flip{"flip", {}};
    for (const auto& l : m.table.layers) flip.by_layer[l.layer] = (m.model == "m0" ? 1 : -1) * l.criticality;
    m.predictors = {flip};
  }
  CorrelationOptions o;
  o.bootstrap = 0;
  o.permutations = 0;
  const auto held = leave_one_model_out(models, 2, o);
  EXPECT_EQ(held[0].predictor, "flip");
  EXPECT_EQ(held[0].direction, -1);        // chosen on m1 and m2, where it runs backwards
  EXPECT_DOUBLE_EQ(held[0].spearman.r, -1);  // and on m0 it ranks exactly wrong
}

}  // namespace
}  // namespace lq::analysis
