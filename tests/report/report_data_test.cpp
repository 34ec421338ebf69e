#include "report/report_data.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "test_data.h"

namespace lq::report {
namespace {

using testing::comparison;

TEST(ReportData, ReadsEstimatesNullsAndUnstableRatios) {
  const Dataset d = parse_comparison(comparison({{"int4", 0, nullptr, NAN, 0.3}, {"keep", 0.1, nullptr, 5, 0.1}}), "r.json");
  ASSERT_EQ(d.plans.size(), 3u);
  EXPECT_TRUE(d.is_fp("full-precision"));
  const LangRow* he = d.row("int4", "he");
  ASSERT_TRUE(he);
  EXPECT_TRUE(he->disparity.unstable);
  EXPECT_FALSE(he->disparity.finite());
  EXPECT_TRUE(std::isnan(he->disparity.value));
  EXPECT_DOUBLE_EQ(he->degradation.lo, 0.05);
  EXPECT_DOUBLE_EQ(d.row("keep", "he")->disparity.value, 5);
  ASSERT_TRUE(d.group_row("keep", "lr")->lr_disparity);
  EXPECT_NEAR(d.group_row("keep", "lr")->lr_disparity->hi, 5.5, 1e-12);
  EXPECT_TRUE(d.group_row("int4", "lr")->lr_disparity->unstable);
  EXPECT_EQ(d.languages(), (std::vector<std::string>{"en", "he"}));
  EXPECT_EQ(d.group_names(), (std::vector<std::string>{"lr"}));
}

TEST(ReportData, MalformedInputNamesTheFileAndTheProblem) {
  auto j = comparison({{"int4", 0, nullptr, 2, 0.3}});
  auto bad = j;
  bad.erase("rows");
  try {
    parse_comparison(bad, "x.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("x.json: ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("rows"), std::string::npos);
  }
  bad = j;
  bad["rows"][0]["plan"] = "nope";
  EXPECT_THROW(parse_comparison(bad, "x.json"), Error);
  bad = j;
  bad["rows"][0]["kl"] = "high";
  EXPECT_THROW(parse_comparison(bad, "x.json"), Error);
  bad = j;
  bad["plans"].push_back(bad["plans"][1]);
  EXPECT_THROW(parse_comparison(bad, "x.json"), Error);
  EXPECT_THROW(parse_comparison(nlohmann::json::array(), "x.json"), Error);
  EXPECT_THROW(load_comparison("/nonexistent/r.json"), Error);
}

TEST(ReportData, MergesFilesOfOneSetupAndSeparatesOthers) {
  auto a = parse_comparison(comparison({{"int4", 0, nullptr, 2, 0.3}, {"p1", 0.1, nullptr, 1.5, 0.2}}), "a.json");
  auto b = parse_comparison(comparison({{"int4", 0, nullptr, 2, 0.3}, {"p2", 0.2, nullptr, 1.2, 0.1}}), "b.json");
  auto c = parse_comparison(comparison({{"int4", 0, nullptr, 2, 0.3}}, "other-model"), "c.json");
  const auto merged = merge_datasets({a, b, c});
  ASSERT_EQ(merged.size(), 2u);
  const Dataset& m = merged[0];
  std::vector<std::string> names;
  for (const auto& p : m.plans) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"full-precision", "int4", "p1", "p2"}));
  EXPECT_EQ(m.rows.size(), 2u * 3);  // int4, p1, p2 x 2 languages: int4 of b.json not duplicated
  EXPECT_EQ(m.groups.size(), 3u);
  EXPECT_EQ(m.sources, (std::vector<std::string>{"a.json", "b.json"}));
  EXPECT_EQ(m.notes.size(), 1u);  // int4 met twice
  EXPECT_EQ(merged[1].model, "other-model");

  auto j = comparison({{"int4", 0, nullptr, 2, 0.3}});
  j["plans"][1]["plan"] = "something else";
  EXPECT_THROW(merge_datasets({a, parse_comparison(j, "d.json")}), Error);
}

}  // namespace
}  // namespace lq::report
