// report/patch_data.h and patch_chart.h: the recovery matrix read from a patch JSON, its answer
// line, its heatmap cells, and bad files refused in one line.
#include "report/patch_data.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "report/patch_chart.h"
#include "support/lq_error.h"

namespace lq::report {
namespace {

nlohmann::json patch_json() {
  using nlohmann::json;
  auto run = [](const char* dir, const char* patch, json share, json lo, json hi, bool unstable) {
    return json{{"direction", dir}, {"patch", patch}, {"share", share}, {"share_lo", lo}, {"share_hi", hi},
                {"unstable", unstable}};
  };
  json j = {{"kind", "langquant.patch"}, {"schema_version", 1}, {"model", "m"}, {"corpus", "c"},
            {"plan", {{"line", "base=int4"}, {"name", "base=int4"}}}, {"sentences_per_language", 20},
            {"bootstrap", {{"replicates", 100}}}};
  j["languages"] = json::array(
      {{{"lang", "hi"}, {"delta_nll", 0.5}, {"delta_nll_lo", 0.4}, {"delta_nll_hi", 0.6},
        {"runs", {run("restore", "block.0", 0.2, 0.1, 0.3, false), run("restore", "block.1", 0.6, 0.5, 0.7, false),
                  run("inject", "block.0", 0.3, 0.2, 0.4, false)}}},
       {{"lang", "en"}, {"delta_nll", 0.01}, {"delta_nll_lo", -0.02}, {"delta_nll_hi", 0.04},
        {"runs", {run("restore", "block.0", nullptr, nullptr, nullptr, true),
                  run("restore", "block.1", nullptr, nullptr, nullptr, true)}}},
       {{"lang", "all"}, {"delta_nll", 0.3}, {"delta_nll_lo", 0.2}, {"delta_nll_hi", 0.4},
        {"runs", {run("restore", "block.0", 0.25, 0.2, 0.3, false), run("restore", "block.1", 0.55, 0.5, 0.6, false),
                  run("inject", "block.0", 0.35, 0.3, 0.4, false)}}}});
  return j;
}

std::string error_of(const nlohmann::json& j) {
  return test_support::error_of([&] { parse_patch(j, "p.json"); });
}

TEST(PatchReport, ReadsTheMatrixAndLeadsWithThePooledBest) {
  const PatchMatrix m = parse_patch(patch_json(), "p.json");
  EXPECT_EQ(m.langs, (std::vector<std::string>{"hi", "en", "all"}));
  EXPECT_EQ(m.patches, (std::vector<std::string>{"block.0", "block.1"}));
  EXPECT_DOUBLE_EQ(m.at("restore", "block.1", "hi")->value, 0.6);
  EXPECT_TRUE(m.at("restore", "block.0", "en")->unstable);
  EXPECT_EQ(m.at("inject", "block.1", "hi"), nullptr);
  EXPECT_TRUE(m.has("inject"));
  EXPECT_EQ(m.answer(),
            "Restoring block.1 recovers 55% [50, 60] of the plan's loss (all languages pooled). Injecting the plan at "
            "block.0 alone carries 35% [30, 40] of the plan's loss (all languages pooled).");
}

TEST(PatchReport, HeatmapCellsAreSharesInPercentAndUnstableIsGrey) {
  const Chart c = patch_heatmap(parse_patch(patch_json(), "p.json"), "restore");
  EXPECT_EQ(c.points, 6);
  const auto& cells = c.spec["data"][0]["values"];
  ASSERT_EQ(cells.size(), 6u);
  EXPECT_EQ(cells[0]["patch"], "block.0");
  EXPECT_EQ(cells[0]["lang"], "hi");
  EXPECT_DOUBLE_EQ(cells[0]["v"].get<double>(), 20);
  EXPECT_EQ(cells[0]["label"], "20%");
  EXPECT_TRUE(cells[1]["v"].is_null());
  EXPECT_EQ(cells[1]["label"], "unstable");
  // Inject has only block.0: its rows are the patches it has.
  const Chart inject = patch_heatmap(parse_patch(patch_json(), "p.json"), "inject");
  EXPECT_EQ(inject.spec["scales"][1]["domain"], nlohmann::json::array({"block.0"}));
}

TEST(PatchReport, BadFilesFailInOneLine) {
  nlohmann::json j = patch_json();
  j.erase("kind");
  EXPECT_EQ(error_of(j), "p.json: not a result of 'langquant patch --out' (no \"kind\": \"langquant.patch\")");
  j = patch_json();
  j["languages"][0]["runs"][0]["direction"] = "sideways";
  EXPECT_EQ(error_of(j), "p.json: languages[0].runs[0]: direction \"sideways\" is neither restore nor inject");
  j = patch_json();
  j["languages"][1]["lang"] = "hi";
  EXPECT_EQ(error_of(j), "p.json: languages[1]: language \"hi\" listed twice");
  j = patch_json();
  j["languages"][0]["runs"][1]["share"] = "0.6";
  EXPECT_EQ(error_of(j), "p.json: languages[0].runs[1]: \"share\" is not a number");
  j = patch_json();
  j["languages"] = nlohmann::json::array();
  EXPECT_EQ(error_of(j), "p.json: \"languages\" is empty");
}

}  // namespace
}  // namespace lq::report
