// report/plan_contrasts.h on hand-made replicates: contrasts and synergies are percentile
// intervals (linear interpolation) of the contrast taken replicate by replicate.
#include "report/plan_contrasts.h"

#include <gtest/gtest.h>

#include "test_data.h"

namespace lq::report {
namespace {

using testing::comparison;
using testing::layer_tag;

void set_replicates(nlohmann::json& j, const std::string& plan, const std::vector<double>& reps) {
  for (auto& g : j["groups"])
    if (g["plan"] == plan) g["replicates"] = {{"lr_disparity", reps}};
}

// LR disparity stable everywhere: base 10x, L0 4x, L1 12x, L0+L1 3x, with 5 replicates each.
nlohmann::json sweep(const nlohmann::json& base_tag = {{"axis", "base"}}, const std::string& base_name = "int4") {
  const nlohmann::json pair = {{"axis", "layers"}, {"mode", "pairs"}, {"layers", {0, 1}}};
  nlohmann::json j = comparison({{base_name, 0, base_tag, 10, 0.5}, {"L0", 0.08, layer_tag(0), 4, 0.2},
                                 {"L1", 0.08, layer_tag(1), 12, 0.6}, {"L0+L1", 0.16, pair, 3, 0.1}});
  set_replicates(j, base_name, {10, 11, 9, 10.5, 9.5});
  set_replicates(j, "L0", {4, 5, 3, 4, 4.5});
  set_replicates(j, "L1", {12, 12, 2, 12, 12});
  set_replicates(j, "L0+L1", {3, 3, 3, 3, 3});
  return j;
}

// The 2.5% and 97.5% points of 5 sorted values sit at positions 0.1 and 3.9.
double lo5(double a, double b) { return 0.9 * a + 0.1 * b; }
double hi5(double d, double e) { return 0.1 * d + 0.9 * e; }

TEST(PlanContrasts, ImprovementOverTheBaseIsPaired) {
  const PlanContrasts c = plan_contrasts(parse_comparison(sweep(), "s.json"), "lr", "");
  EXPECT_EQ(c.base_plan, "int4");
  EXPECT_EQ(c.objective, Objective::lr_disparity);
  ASSERT_EQ(c.contrasts.size(), 3u);
  // base - L0: 6 6 6 6.5 5 -> sorted 5 6 6 6 6.5.
  EXPECT_EQ(c.contrasts[0].plan, "L0");
  EXPECT_DOUBLE_EQ(c.contrasts[0].improvement.value, 6);
  EXPECT_DOUBLE_EQ(c.contrasts[0].improvement.lo, lo5(5, 6));
  EXPECT_DOUBLE_EQ(c.contrasts[0].improvement.hi, hi5(6, 6.5));
  EXPECT_EQ(c.contrasts[0].verdict(), "better");
  // base - L1: -2 -1 7 -1.5 -2.5 -> sorted -2.5 -2 -1.5 -1 7: the interval holds 0.
  EXPECT_DOUBLE_EQ(c.contrasts[1].improvement.lo, lo5(-2.5, -2));
  EXPECT_DOUBLE_EQ(c.contrasts[1].improvement.hi, hi5(-1, 7));
  EXPECT_EQ(c.contrasts[1].verdict(), "no clear difference");
  EXPECT_DOUBLE_EQ(c.contrasts[1].objective.value, 12);  // the plan's own value, from its row
}

TEST(PlanContrasts, SynergyOfALayerPairAgainstItsLayers) {
  const PlanContrasts c = plan_contrasts(parse_comparison(sweep(), "s.json"), "lr", "");
  ASSERT_EQ(c.synergies.size(), 1u);
  const Synergy& s = c.synergies[0];
  EXPECT_EQ(s.whole, "L0+L1");
  EXPECT_EQ(s.parts, (std::vector<std::string>{"L0", "L1"}));
  // crit(pair) - crit(L0) - crit(L1) = L0 + L1 - base - pair per replicate: 3 3 -7 2.5 4.
  EXPECT_DOUBLE_EQ(s.synergy.value, 3);
  EXPECT_DOUBLE_EQ(s.synergy.lo, lo5(-7, 2.5));
  EXPECT_DOUBLE_EQ(s.synergy.hi, hi5(3, 4));
}

TEST(PlanContrasts, AskedPairsArePairedDifferences) {
  const PlanContrasts c =
      plan_contrasts(parse_comparison(sweep(), "s.json"), "lr", "", {{"L0", "L1"}, {"L1", "nope"}});
  ASSERT_EQ(c.pairs.size(), 1u);
  const PairContrast& p = c.pairs[0];
  // L1 - L0 per replicate: 8 7 -1 8 7.5 -> sorted -1 7 7.5 8 8.
  EXPECT_DOUBLE_EQ(p.advantage.value, 8);
  EXPECT_NEAR(p.advantage.lo, lo5(-1, 7), 1e-12);
  EXPECT_NEAR(p.advantage.hi, hi5(8, 8), 1e-12);
  EXPECT_EQ(p.verdict(), "no clear difference");
  EXPECT_DOUBLE_EQ(p.a_value.value, 4);
  // L1 / L0 per replicate: 3 2.4 0.667 3 2.667 -> sorted 0.667 2.4 2.667 3 3; L0's interval
  // excludes 0, so the ratio is stable.
  EXPECT_DOUBLE_EQ(p.ratio.value, 3);
  EXPECT_NEAR(p.ratio.lo, lo5(2.0 / 3, 2.4), 1e-12);
  EXPECT_NEAR(p.ratio.hi, hi5(3, 3), 1e-12);
  EXPECT_FALSE(p.ratio.unstable);
  ASSERT_FALSE(c.notes.empty());
  EXPECT_EQ(c.notes[0], "Contrast \"L1\" vs \"nope\": no plan named \"nope\" in the results.");
  const PlanContrasts d = plan_contrasts(parse_comparison(sweep(), "s.json"), "lr", "", {{"L0+L1", "int4"}});
  EXPECT_EQ(d.pairs.at(0).verdict(), "L0+L1 fairer");  // 10 - 3 = 7 in every replicate but one
}

TEST(PlanContrasts, AWholeLayerAgainstItsComponents) {
  nlohmann::json mlp = layer_tag(0), attn = layer_tag(0);
  mlp["component"] = "mlp";
  attn["component"] = "attn";
  nlohmann::json j = comparison({{"none", 0, nullptr, 10, 0.5, "base=int4"}, {"L0", 0.08, layer_tag(0), 4, 0.2},
                                 {"L0-mlp", 0.05, mlp, 7, 0.3}, {"L0-attn", 0.03, attn, 9, 0.4}});
  set_replicates(j, "none", {10, 10, 10, 10, 10});
  set_replicates(j, "L0", {4, 4, 4, 4, 4});
  set_replicates(j, "L0-mlp", {7, 7, 7, 7, 7});
  set_replicates(j, "L0-attn", {9, 9, 9, 9, 9});
  const PlanContrasts c = plan_contrasts(parse_comparison(j, "s.json"), "lr", "");
  EXPECT_EQ(c.base_plan, "none");  // untagged: the preset's name
  ASSERT_EQ(c.synergies.size(), 1u);
  EXPECT_EQ(c.synergies[0].parts, (std::vector<std::string>{"L0-mlp", "L0-attn"}));
  EXPECT_DOUBLE_EQ(c.synergies[0].synergy.value, 6 - 3 - 1);  // the whole layer does more than its parts
  EXPECT_DOUBLE_EQ(c.synergies[0].synergy.lo, 2);
}

TEST(PlanContrasts, LeavesOutPlansOfOtherFilesAndSaysSo) {
  nlohmann::json other = comparison({{"int8", 0, nullptr, 1.5, 0.05}});
  set_replicates(other, "int8", {1.5, 1.5, 1.5, 1.5, 1.5});
  const auto merged = merge_datasets({parse_comparison(sweep(), "s.json"), parse_comparison(other, "o.json")});
  const PlanContrasts c = plan_contrasts(merged.at(0), "lr", "");
  EXPECT_EQ(c.contrasts.size(), 3u);
  ASSERT_FALSE(c.notes.empty());
  EXPECT_NE(c.notes[0].find("\"int8\""), std::string::npos) << c.notes[0];
}

TEST(PlanContrasts, NeedsABaseWithReplicates) {
  nlohmann::json j = sweep();
  for (auto& g : j["groups"]) g.erase("replicates");
  const PlanContrasts c = plan_contrasts(parse_comparison(j, "s.json"), "lr", "");
  EXPECT_TRUE(c.base_plan.empty() && c.contrasts.empty());
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_NE(c.notes[0].find("--bootstrap"), std::string::npos);
  const PlanContrasts none = plan_contrasts(parse_comparison(sweep(nullptr, "int4"), "s.json"), "lr", "");
  EXPECT_TRUE(none.base_plan.empty());  // no tag, no "none", no layer base: nothing guessed
}

}  // namespace
}  // namespace lq::report
