// Predictor of layer criticality: criticality worked out by hand from a synthetic sweep JSON
// (with and without a base-only plan, unstable ratios skipped, one table per component),
// predictor extraction from stats / activations JSON, top-k overlap by hand, and the
// evaluation's correlations against correlation.h on the same vectors.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/predictor.h"
#include "core/error.h"

namespace lq::analysis {
namespace {

using nlohmann::json;

json layer_plan(const std::string& name, int layer, const std::string& comp) {
  return {{"name", name},
          {"plan", "base=int4; keep fp16 layers=" + std::to_string(layer)},
          {"tags", {{"axis", "layers"}, {"mode", "single"}, {"layers", {layer}}, {"component", comp}, {"layer", layer}}}};
}

json group(const std::string& plan, double kl, double disp, bool unstable = false) {
  json g = {{"plan", plan}, {"group", "lr"}, {"kl", kl}, {"kl_lo", kl - 0.01}, {"kl_hi", kl + 0.01}};
  g["lr_disparity"] = unstable ? json() : json(disp);
  g["lr_disparity_unstable"] = unstable;
  return g;
}

// Base kl 1.0; layers 0..3 at kl 0.9, 0.5, 0.95, 0.7 -> criticality 0.1, 0.5, 0.05, 0.3.
json sweep(bool with_base) {
  json s = {{"plans", {{{"name", "full-precision"}, {"plan", "checkpoint as stored"}, {"tags", {{"axis", "reference"}}}}}},
            {"groups", json::array()}};
  if (with_base) {
    s["plans"].push_back({{"name", "none"}, {"plan", "base=int4"}, {"tags", {{"axis", "plans"}}}});
    s["groups"].push_back(group("none", 1.0, 3.0));
  }
  const double kl[] = {0.9, 0.5, 0.95, 0.7};
  for (int l = 0; l < 4; ++l) {
    const std::string n = "L" + std::to_string(l) + "-mlp";
    s["plans"].push_back(layer_plan(n, l, "mlp"));
    s["groups"].push_back(group(n, kl[l], 2.0 + l, l == 2));
  }
  return s;
}

TEST(Predictor, CriticalityAgainstBaseOnlyPlan) {
  const auto t = criticality_from_sweep(sweep(true), "kl", "lr", "s.json");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].component, "mlp");
  EXPECT_EQ(t[0].baseline, "none");
  const double want[] = {0.1, 0.5, 0.05, 0.3};
  ASSERT_EQ(t[0].layers.size(), 4u);
  for (int l = 0; l < 4; ++l) {
    EXPECT_EQ(t[0].layers[l].layer, l);
    EXPECT_NEAR(t[0].layers[l].criticality, want[l], 1e-12);
    EXPECT_NEAR(t[0].layers[l].objective_hi - t[0].layers[l].objective_lo, 0.02, 1e-12);
  }
  // lr_disparity: layer 2 is unstable and skipped; criticality 3 - (2 + l).
  const auto d = criticality_from_sweep(sweep(true), "lr_disparity", "lr", "s.json");
  ASSERT_EQ(d[0].layers.size(), 3u);
  EXPECT_EQ(d[0].skipped, std::vector<std::string>{"L2-mlp"});
  EXPECT_NEAR(d[0].layers[2].criticality, 3.0 - 5.0, 1e-12);
  EXPECT_EQ(d[0].layers[2].layer, 3);
}

TEST(Predictor, CriticalityWithoutBaseUsesTheMean) {
  const auto t = criticality_from_sweep(sweep(false), "kl", "lr", "s.json");
  EXPECT_EQ(t[0].baseline, "");
  const double mean = (0.9 + 0.5 + 0.95 + 0.7) / 4;
  EXPECT_NEAR(t[0].baseline_objective, mean, 1e-12);
  EXPECT_NEAR(t[0].layers[1].criticality, mean - 0.5, 1e-12);
}

TEST(Predictor, OneTablePerComponent) {
  json s = sweep(true);
  s["plans"].push_back(layer_plan("L0-attn", 0, "attn"));
  s["groups"].push_back(group("L0-attn", 0.8, 2.0));
  const auto t = criticality_from_sweep(s, "kl", "lr", "s.json");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[1].component, "attn");
  ASSERT_EQ(t[1].layers.size(), 1u);
  EXPECT_NEAR(t[1].layers[0].criticality, 0.2, 1e-12);
}

TEST(Predictor, BadSweepInput) {
  EXPECT_THROW(criticality_from_sweep(json::object(), "kl", "lr", "s.json"), Error);
  EXPECT_THROW(criticality_from_sweep(sweep(true), "kl", "hr", "s.json"), Error);   // no such group
  EXPECT_THROW(criticality_from_sweep(sweep(true), "ppl", "lr", "s.json"), Error);  // no such objective
  json s = sweep(true);
  s["plans"] = json::array({s["plans"][0], s["plans"][1]});
  EXPECT_THROW(criticality_from_sweep(s, "kl", "lr", "s.json"), Error);  // no layer plans
}

TEST(Predictor, TopKByHand) {
  const std::vector<double> v = {1, 5, 3, 5};
  EXPECT_EQ(top_k(v, 2, 1), (std::vector<int>{1, 3}));  // tie 5/5: lower index first
  EXPECT_EQ(top_k(v, 2, -1), (std::vector<int>{0, 2}));
  EXPECT_EQ(top_k(v, 9, 1).size(), 4u);
  const std::vector<double> crit = {0.1, 0.5, 0.05, 0.3};  // top 2: layers 1, 3
  EXPECT_EQ(top_k_overlap(v, crit, 2, 1), 2);
  EXPECT_EQ(top_k_overlap(v, crit, 2, -1), 0);
  EXPECT_EQ(top_k_overlap(v, crit, 1, 1), 1);
}

TEST(Predictor, WeightAndActivationPredictors) {
  const json stats = {{"layers",
                       {{{"layer", 0}, {"variance", 1.0}, {"kurtosis", nullptr}},
                        {{"layer", 1}, {"variance", 2.0}, {"kurtosis", 3.0}}}}};
  const auto w = weight_predictors(stats, "st.json");
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].name, "variance");
  EXPECT_EQ(w[0].by_layer.size(), 2u);
  EXPECT_EQ(w[1].name, "kurtosis");
  EXPECT_EQ(w[1].by_layer.size(), 1u);  // null left out
  EXPECT_THROW(weight_predictors(json::object(), "st.json"), Error);

  const json act = {{"languages",
                     {{{"lang", "en"}, {"layers", {{{"layer", 0}, {"rms", 1.0}}, {{"layer", 1}, {"rms", 4.0}}}}},
                      {{"lang", "fi"}, {"layers", {{{"layer", 0}, {"rms", 3.0}}}}}}}};
  const auto a = activation_predictors(act, "act.json");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].name, "act_rms");
  ASSERT_EQ(a[0].by_layer.size(), 1u);  // layer 1 lacks fi
  EXPECT_DOUBLE_EQ(a[0].by_layer.at(0), 2.0);
}

// Moments of a vector computed directly (population variance, Fisher kurtosis).
json tensor_entry(const std::string& name, int layer, const std::string& comp, const std::vector<double>& w, double mse) {
  const double n = static_cast<double>(w.size());
  double mu = 0, m2 = 0, m3 = 0, m4 = 0, mx = 0;
  for (double v : w) mu += v / n, mx = std::max(mx, std::abs(v));
  for (double v : w) m2 += std::pow(v - mu, 2) / n, m3 += std::pow(v - mu, 3) / n, m4 += std::pow(v - mu, 4) / n;
  return {{"name", name}, {"layer", layer}, {"component", comp}, {"kind", "weight"}, {"n", w.size()},
          {"mean", mu}, {"variance", m2}, {"skewness", m3 / std::pow(m2, 1.5)}, {"kurtosis", m4 / (m2 * m2) - 3},
          {"max_abs", mx}, {"quant_mse", mse}};
}

TEST(Predictor, ComponentPoolingIsExact) {
  const std::vector<double> up = {1, 3, -2, 0.5}, down = {7, -1, 0, 2, 2, 9};
  json stats = {{"tensors",
                 {tensor_entry("blk.0.ffn_up.weight", 0, "mlp", up, 0.5), tensor_entry("blk.0.ffn_down.weight", 0, "mlp", down, 2.0),
                  tensor_entry("blk.0.attn_q.weight", 0, "attention", {5, 6, 100}, 1.0)}}};
  std::vector<double> all = up;
  all.insert(all.end(), down.begin(), down.end());
  const json want = tensor_entry("", 0, "", all, 0);
  const auto p = component_predictors(stats, "mlp", "st.json");
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p[0].name, "mlp.variance");
  EXPECT_NEAR(p[0].by_layer.at(0), want["variance"].get<double>(), 1e-12);
  EXPECT_NEAR(p[1].by_layer.at(0), want["skewness"].get<double>(), 1e-12);
  EXPECT_NEAR(p[2].by_layer.at(0), want["kurtosis"].get<double>(), 1e-12);
  EXPECT_EQ(p[3].by_layer.at(0), 9.0);
  EXPECT_NEAR(p[4].by_layer.at(0), (4 * 0.5 + 6 * 2.0) / 10, 1e-15);
  double w2 = 0;
  for (double v : all) w2 += v * v;
  EXPECT_NEAR(p[5].by_layer.at(0), std::sqrt((4 * 0.5 + 6 * 2.0) / w2), 1e-15);
  // A part selects by name; attn maps to the stats' "attention".
  EXPECT_EQ(component_predictors(stats, "ffn_up", "st.json")[3].by_layer.at(0), 3.0);
  EXPECT_EQ(component_predictors(stats, "attn", "st.json")[3].by_layer.at(0), 100.0);
  EXPECT_TRUE(component_predictors(stats, "", "st.json").empty());
}

TEST(Predictor, EvaluationMatchesCorrelationAndSorts) {
  const auto t = criticality_from_sweep(sweep(true), "kl", "lr", "s.json")[0];  // crit 0.1 0.5 0.05 0.3
  std::vector<PredictorSeries> preds = {
      {"linear", {{0, 1.2}, {1, 2.0}, {2, 1.1}, {3, 1.6}}},     // 2 * crit + 1: r = 1
      {"inverse", {{0, 30}, {1, 1}, {2, 40}, {3, 2}}},           // ranks reversed: Spearman -1
      {"weak", {{0, 1}, {1, 2}, {2, 4}, {3, 3}}},
      {"short", {{0, 1}, {1, 2}}},                               // 2 layers: left out
      {"constant", {{0, 1}, {1, 1}, {2, 1}, {3, 1}}}};           // undefined r: last
  const CorrelationOptions opt{.bootstrap = 50, .permutations = 50, .seed = 3};
  const auto r = evaluate_predictors(t, preds, 2, opt);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].name, "inverse");  // |rho| 1 ties with linear: by name
  EXPECT_EQ(r[1].name, "linear");
  EXPECT_EQ(r[2].name, "weak");
  EXPECT_EQ(r[3].name, "constant");
  EXPECT_TRUE(std::isnan(r[3].spearman.r));
  EXPECT_EQ(r[3].overlap, -1);
  EXPECT_NEAR(r[1].pearson.r, 1.0, 1e-12);
  EXPECT_EQ(r[0].direction, -1);
  EXPECT_EQ(r[0].overlap, 2);  // lowest two (layers 1, 3) are the two most critical
  EXPECT_EQ(r[1].overlap, 2);
  // Same numbers as correlation.h on the same vectors with the same options.
  const auto p = pearson(r[2].x, r[2].y, opt), s = spearman(r[2].x, r[2].y, opt);
  EXPECT_EQ(r[2].pearson.r, p.r);
  EXPECT_EQ(r[2].pearson.lo, p.lo);
  EXPECT_EQ(r[2].spearman.p_value, s.p_value);
  // weak: x ranks 1 2 4 3 vs crit ranks 2 4 1 3 -> d^2 = 1+4+9+0 = 14, rho = 1 - 6*14/(4*15) = -0.4.
  EXPECT_NEAR(r[2].spearman.r, -0.4, 1e-12);
  EXPECT_EQ(r[2].direction, -1);
  EXPECT_EQ(r[2].overlap, 1);  // lowest two by x: layers 0, 1; most critical: 1, 3 -> overlap 1
}

}  // namespace
}  // namespace lq::analysis
