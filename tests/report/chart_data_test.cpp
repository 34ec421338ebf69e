#include "report/chart_data.h"

#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "test_data.h"

namespace lq::report {
namespace {

using testing::comparison;
using testing::layer_tag;
const nlohmann::json kBase = {{"axis", "base"}};

TEST(ReportCriticality, IsTheBaseObjectiveMinusTheLayerPlans) {
  // LR disparity stable everywhere: base 10x; L0 brings it to 4x, L1 to 12x (anti), L2 to 9.5x.
  const Dataset d = parse_comparison(comparison({{"int4", 0, kBase, 10, 0.5},
                                                 {"L1", 0.08, layer_tag(1), 12, 0.6},
                                                 {"L0", 0.08, layer_tag(0), 4, 0.2},
                                                 {"L2", 0.08, layer_tag(2), 9.5, 0.45}}),
                                     "r.json");
  const auto c = criticality(d, "lr");
  ASSERT_EQ(c.series.size(), 1u);
  const auto& s = c.series[0];
  EXPECT_EQ(s.objective, Objective::lr_disparity);
  EXPECT_EQ(s.base_plan, "int4");
  EXPECT_EQ(s.component, "layer");
  ASSERT_EQ(s.points.size(), 3u);
  EXPECT_EQ(s.points[0].layer, 0);  // sorted by layer
  EXPECT_DOUBLE_EQ(s.points[0].criticality, 6);
  EXPECT_DOUBLE_EQ(s.points[1].criticality, -2);
  EXPECT_TRUE(s.points[1].anti_critical());
  EXPECT_FALSE(s.points[2].anti_critical());
  EXPECT_DOUBLE_EQ(s.points[2].criticality, 0.5);
}

// Gives a plan's group row bootstrap replicates of its LR disparity, as a schema-2 file does.
void set_replicates(nlohmann::json& j, const std::string& plan, const std::vector<double>& reps) {
  for (auto& g : j["groups"])
    if (g["plan"] == plan) g["replicates"] = {{"lr_disparity", reps}};
}

nlohmann::json paired_sweep() {
  nlohmann::json j = comparison({{"int4", 0, kBase, 10, 0.5}, {"L0", 0.08, layer_tag(0), 4, 0.2},
                                 {"L1", 0.08, layer_tag(1), 12, 0.6}});
  set_replicates(j, "int4", {10, 11, 9, 10.5, 9.5});
  set_replicates(j, "L0", {4, 5, 3, 4, 4.5});
  set_replicates(j, "L1", {12, 12, 2, 12, 12});  // replicate 2: L1 beats L0
  return j;
}

TEST(ReportCriticality, PairsTheBaseAndLayerReplicatesOfOneFile) {
  const auto s = criticality(parse_comparison(paired_sweep(), "r.json"), "lr").series.at(0);
  EXPECT_TRUE(s.interval_note.empty()) << s.interval_note;
  // base - L0 per replicate: 6 6 6 6.5 5, sorted 5 6 6 6 6.5. The 2.5% and 97.5% points of 5
  // values sit at positions 0.1 and 3.9 (linear interpolation).
  EXPECT_DOUBLE_EQ(s.points[0].criticality, 6);
  EXPECT_DOUBLE_EQ(s.points[0].criticality_lo, 0.9 * 5 + 0.1 * 6);
  EXPECT_DOUBLE_EQ(s.points[0].criticality_hi, 0.1 * 6 + 0.9 * 6.5);
  // base - L1: -2 -1 7 -1.5 -2.5, sorted -2.5 -2 -1.5 -1 7.
  EXPECT_DOUBLE_EQ(s.points[1].criticality_lo, 0.9 * -2.5 + 0.1 * -2);
  EXPECT_DOUBLE_EQ(s.points[1].criticality_hi, 0.1 * -1 + 0.9 * 7);
  // Ranks (1 = most critical = lowest disparity): L0 is 1 in every replicate but the third.
  EXPECT_EQ(s.points[0].rank.value, 1);
  EXPECT_DOUBLE_EQ(s.points[0].rank.lo, 1);
  EXPECT_DOUBLE_EQ(s.points[0].rank.hi, 0.1 * 1 + 0.9 * 2);
  EXPECT_EQ(s.points[1].rank.value, 2);
  EXPECT_DOUBLE_EQ(s.points[1].rank.lo, 0.9 * 1 + 0.1 * 2);
  EXPECT_DOUBLE_EQ(s.points[1].rank.hi, 2);
}

TEST(ReportCriticality, HasNoIntervalAgainstABaseFromAnotherFile) {
  nlohmann::json layers = paired_sweep();
  nlohmann::json base = comparison({{"int4", 0, kBase, 10, 0.5}});
  set_replicates(base, "int4", {10, 11, 9, 10.5, 9.5});
  layers["plans"].erase(1);  // int4, which base.json holds
  layers["groups"].erase(0);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : layers["rows"])
    if (r["plan"] != "int4") rows.push_back(r);
  layers["rows"] = rows;
  const auto merged = merge_datasets({parse_comparison(layers, "layers.json"), parse_comparison(base, "base.json")});
  const auto s = criticality(merged.at(0), "lr").series.at(0);
  EXPECT_EQ(s.base_plan, "int4");
  EXPECT_TRUE(std::isnan(s.points[0].criticality_lo));
  EXPECT_NE(s.interval_note.find("base.json"), std::string::npos) << s.interval_note;
  EXPECT_DOUBLE_EQ(s.points[1].rank.lo, 0.9 * 1 + 0.1 * 2);  // still paired among the layer plans
}

TEST(ReportCriticality, HasNoIntervalWithoutReplicates) {
  nlohmann::json j = paired_sweep();
  for (auto& g : j["groups"])
    if (g["plan"] == "L1") g.erase("replicates");
  const auto s = criticality(parse_comparison(j, "r.json"), "lr").series.at(0);
  EXPECT_TRUE(std::isnan(s.points[0].criticality_lo) && std::isnan(s.points[0].rank.value));
  EXPECT_FALSE(s.interval_note.empty());
}

TEST(ReportCriticality, FallsBackToTheDeltaBpbGapWhenAnyDisparityIsUnstable) {
  const Dataset d = parse_comparison(comparison({{"int4", 0, kBase, 10, 0.5},
                                                 {"L0", 0.08, layer_tag(0), NAN, 0.2},
                                                 {"L1", 0.08, layer_tag(1), 3, 0.7}}),
                                     "r.json");
  const auto s = criticality(d, "lr").series.at(0);
  EXPECT_EQ(s.objective, Objective::delta_bpb_gap);
  EXPECT_NE(s.why.find("unstable for 1 of 3"), std::string::npos) << s.why;
  EXPECT_NEAR(s.points[0].criticality, 0.3, 1e-12);
  EXPECT_NEAR(s.points[1].criticality, -0.2, 1e-12);
}

TEST(ReportCriticality, SeparatesComponentsAndNeedsOneBasePlan) {
  auto ffn = layer_tag(0);
  ffn["component"] = "ffn";
  auto attn = layer_tag(0);
  attn["component"] = "attn";
  Dataset d = parse_comparison(comparison({{"int4", 0, nullptr, 10, 0.5}, {"f0", 0.05, ffn, 8, 0.4},
                                           {"a0", 0.03, attn, 11, 0.6}}),
                               "r.json");
  const auto c = criticality(d, "lr");  // base: the only overhead-0 plan, untagged
  ASSERT_EQ(c.series.size(), 2u);
  EXPECT_EQ(c.series[0].component, "ffn");
  EXPECT_DOUBLE_EQ(c.series[0].points[0].criticality, 2);
  EXPECT_DOUBLE_EQ(c.series[1].points[0].criticality, -1);

  // Two overhead-0 plans and no tag: no base, a note instead of a chart.
  d = parse_comparison(comparison({{"int4", 0, nullptr, 10, 0.5}, {"int3", 0, nullptr, 20, 0.9},
                                   {"L0", 0.05, layer_tag(0), 8, 0.4}}),
                       "r.json");
  const auto none = criticality(d, "lr");
  EXPECT_TRUE(none.series.empty());
  ASSERT_EQ(none.notes.size(), 1u);
  EXPECT_NE(none.notes[0].find("base-only"), std::string::npos);

  // The sweep runner's tags, and a baseline file's "none" (plan line "base=int4") beside another
  // overhead-0 plan (base=int8): the base is the one matching the layer plans' base format.
  const nlohmann::json runner = {{"axis", "layers"}, {"mode", "single"}, {"layers", {1}}, {"layer", 1}, {"component", "mlp"}};
  d = parse_comparison(comparison({{"int8", 0, nullptr, 1.5, 0.1, "base=int8"},
                                   {"none", 0, nullptr, 10, 0.5, "base=int4"},
                                   {"L1-mlp", 0.05, runner, 7, 0.4, "base=int4; keep fp16 layers=1 name=blk.*.ffn_*"}}),
                       "r.json");
  std::vector<const PlanEntry*> lp = {d.plan("L1-mlp")};
  EXPECT_EQ(tagged_layer(*d.plan("L1-mlp")), 1);
  EXPECT_EQ(tagged_layer(*d.plan("none")), -1);
  EXPECT_EQ(find_base_plan(d, lp), "none");
  const auto r = criticality(d, "lr");
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].component, "mlp");
  EXPECT_DOUBLE_EQ(r.series[0].points[0].criticality, 3);

  // No tags at all: a note, no chart.
  d = parse_comparison(comparison({{"int4", 0, nullptr, 10, 0.5}}), "r.json");
  EXPECT_TRUE(criticality(d, "lr").series.empty());
}

TEST(ReportPareto, MarksExactlyTheUndominatedPlans) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<testing::PlanSpec> specs;
  for (int i = 0; i < 40; ++i)
    specs.push_back({"p" + std::to_string(i), std::round(u(rng) * 10) / 10, nullptr, 1 + std::round(u(rng) * 20) / 4, 0.1});
  const Dataset d = parse_comparison(comparison(specs), "r.json");
  const ParetoData p = pareto(d, "lr");
  EXPECT_EQ(p.objective, Objective::lr_disparity);
  ASSERT_EQ(p.points.size(), specs.size());
  int front = 0;
  for (const auto& a : p.points) {
    bool dominated = false;
    for (const auto& b : p.points)
      dominated |= b.overhead <= a.overhead && b.objective.value <= a.objective.value &&
                   (b.overhead < a.overhead || b.objective.value < a.objective.value);
    EXPECT_EQ(a.on_front, !dominated) << a.plan;
    front += a.on_front;
  }
  EXPECT_GT(front, 0);
}

TEST(ReportPareto, UsesTheGapWhenADisparityIsUnstable) {
  const Dataset d = parse_comparison(comparison({{"a", 0, nullptr, NAN, 0.5}, {"b", 0.1, nullptr, 2, 0.2}}), "r.json");
  const ParetoData p = pareto(d, "lr");
  EXPECT_EQ(p.objective, Objective::delta_bpb_gap);
  ASSERT_EQ(p.points.size(), 2u);
  EXPECT_TRUE(p.points[0].on_front && p.points[1].on_front);
}

TEST(ReportStatCorrelations, PairsLayersAndMatchesPearsonByHand) {
  const Dataset d = parse_comparison(comparison({{"int4", 0, kBase, 10, 0.5},
                                                 {"L0", 0.08, layer_tag(0), 4, 0.2},
                                                 {"L1", 0.08, layer_tag(1), 12, 0.6},
                                                 {"L2", 0.08, layer_tag(2), 9, 0.45},
                                                 {"L3", 0.08, layer_tag(3), 7, 0.45}}),
                                     "r.json");
  const auto crit = criticality(d, "lr");  // criticality 6, -2, 1, 3
  nlohmann::json stats = {{"layers", nlohmann::json::array()}};
  const double var[] = {3, 0.5, 1.5, 2};
  for (int l = 0; l < 4; ++l)
    stats["layers"].push_back({{"layer", l}, {"n", 100 + l}, {"tensors", 4}, {"variance", var[l]}, {"flat", 1.0}});
  stats["layers"].push_back({{"layer", 9}, {"variance", 100.0}});  // no criticality for layer 9: ignored
  std::vector<std::string> notes;
  analysis::CorrelationOptions o;
  o.bootstrap = 200;
  o.permutations = 200;
  const auto k = stat_correlations(stats, "s.json", crit, notes, o);
  ASSERT_EQ(k.size(), 1u);  // "flat" is constant: a note, not a correlation
  EXPECT_EQ(notes.size(), 1u);  // only "flat": "n" and "tensors" are counts, not statistics
  EXPECT_EQ(k[0].layers, (std::vector<int>{0, 1, 2, 3}));
  const double x[] = {3, 0.5, 1.5, 2}, y[] = {6, -2, 1, 3};
  double mx = 0, my = 0;
  for (int i = 0; i < 4; ++i) mx += x[i] / 4, my += y[i] / 4;
  double sxy = 0, sxx = 0, syy = 0;
  for (int i = 0; i < 4; ++i) sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx), syy += (y[i] - my) * (y[i] - my);
  EXPECT_NEAR(k[0].pearson.r, sxy / std::sqrt(sxx * syy), 1e-12);
  EXPECT_NEAR(k[0].spearman.r, 1.0, 1e-12);  // same order: 0.5<1.5<2<3 and -2<1<3<6
  EXPECT_THROW(stat_correlations(nlohmann::json::object(), "s.json", crit, notes, o), Error);
}

}  // namespace
}  // namespace lq::report
