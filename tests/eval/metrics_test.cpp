// summarize() on hand-computed totals (ppl = exp(nll/tokens), bpb = nll/(bytes ln 2)), and the
// JSON / Markdown results built from summaries.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "eval/metrics.h"
#include "eval/results.h"

namespace lq {
namespace {

const std::vector<UnitTotals> kUnits = {
    {10.0, 5, 20, 18},  // nll, tokens, bytes, chars
    {6.0, 3, 10, 10},
    {8.5, 2, 17, 9},
};

TEST(Metrics, TotalsAndPointEstimates) {
  BootstrapOptions opt;
  opt.replicates = 500;
  const LanguageSummary s = summarize("he", kUnits, opt);
  EXPECT_EQ(s.name, "he");
  EXPECT_FALSE(s.is_group);
  EXPECT_EQ(s.units, 3);
  EXPECT_EQ(s.tokens, 10);
  EXPECT_EQ(s.bytes, 47);
  EXPECT_EQ(s.chars, 37);
  EXPECT_DOUBLE_EQ(s.nll_total, 24.5);
  EXPECT_DOUBLE_EQ(s.nll.value, 24.5 / 10);
  EXPECT_DOUBLE_EQ(s.ppl.value, std::exp(24.5 / 10));
  EXPECT_DOUBLE_EQ(s.bpb.value, 24.5 / (47 * std::log(2.0)));
  // Intervals bracket the points, and ppl's is exp of nll's.
  for (const Estimate* e : {&s.nll, &s.ppl, &s.bpb}) {
    EXPECT_LE(e->lo, e->value);
    EXPECT_GE(e->hi, e->value);
    EXPECT_LT(e->lo, e->hi);
  }
  EXPECT_DOUBLE_EQ(s.ppl.lo, std::exp(s.nll.lo));
  EXPECT_DOUBLE_EQ(s.ppl.hi, std::exp(s.nll.hi));
  // Token-weighted, not a mean of per-unit ratios.
  EXPECT_NE(s.nll.value, (10.0 / 5 + 6.0 / 3 + 8.5 / 2) / 3);
}

TEST(Metrics, SingleUnitHasZeroWidthInterval) {
  BootstrapOptions opt;
  const LanguageSummary s = summarize("x", {{7.0, 7, 14, 14}}, opt);
  EXPECT_DOUBLE_EQ(s.nll.value, 1.0);
  EXPECT_DOUBLE_EQ(s.ppl.value, std::exp(1.0));
  EXPECT_DOUBLE_EQ(s.bpb.value, 0.5 / std::log(2.0));
  EXPECT_DOUBLE_EQ(s.nll.lo, s.nll.hi);
  EXPECT_DOUBLE_EQ(s.bpb.lo, s.bpb.value);
}

TEST(Metrics, DeterministicForSeed) {
  BootstrapOptions opt;
  opt.replicates = 200;
  const LanguageSummary a = summarize("a", kUnits, opt), b = summarize("a", kUnits, opt);
  EXPECT_EQ(a.bpb.lo, b.bpb.lo);
  EXPECT_EQ(a.nll.hi, b.nll.hi);
}

TEST(Results, JsonAndMarkdown) {
  BootstrapOptions opt;
  opt.replicates = 100;
  EvalResults r;
  r.model = "models/gpt2";
  r.corpus = "data/flores";
  r.corpus_layout = "flores:devtest";
  r.mode = "sentence";
  r.n_ctx = 1024;
  r.truncated = 2;
  r.bos = true;
  r.bootstrap_replicates = 100;
  r.languages.push_back(summarize("eng_Latn", kUnits, opt));
  r.groups.push_back(summarize("all", kUnits, opt));
  r.groups.back().is_group = true;

  const nlohmann::json j = to_json(r);
  EXPECT_EQ(j["model"], "models/gpt2");
  EXPECT_EQ(j["corpus_layout"], "flores:devtest");
  EXPECT_EQ(j["mode"], "sentence");
  EXPECT_EQ(j["n_ctx"], 1024);
  EXPECT_EQ(j["bos"], true);
  EXPECT_EQ(j["truncated_units"], 2);
  EXPECT_EQ(j["bootstrap_replicates"], 100);
  ASSERT_EQ(j["languages"].size(), 1u);
  ASSERT_EQ(j["groups"].size(), 1u);
  const auto& l = j["languages"][0];
  EXPECT_EQ(l["name"], "eng_Latn");
  EXPECT_EQ(l["units"], 3);
  EXPECT_EQ(l["tokens"], 10);
  EXPECT_EQ(l["bytes"], 47);
  EXPECT_EQ(l["chars"], 37);
  EXPECT_DOUBLE_EQ(l["nll"].get<double>(), 24.5 / 10);
  EXPECT_DOUBLE_EQ(l["ppl"].get<double>(), std::exp(24.5 / 10));
  EXPECT_DOUBLE_EQ(l["bpb"].get<double>(), r.languages[0].bpb.value);
  for (const char* k : {"nll_lo", "nll_hi", "ppl_lo", "ppl_hi", "bpb_lo", "bpb_hi"}) EXPECT_TRUE(l.contains(k)) << k;
  EXPECT_EQ(j["groups"][0]["name"], "all");

  const std::string md = to_markdown(r);
  EXPECT_NE(md.find("`models/gpt2`"), std::string::npos) << md;
  EXPECT_NE(md.find("sentence mode"), std::string::npos) << md;
  EXPECT_NE(md.find("BOS prepended"), std::string::npos) << md;
  EXPECT_NE(md.find("over sentences"), std::string::npos) << md;
  EXPECT_NE(md.find("| eng_Latn | 3 | 10 | 47 | 2.4500 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| group |"), std::string::npos) << md;
  EXPECT_NE(md.find("| all | 3 |"), std::string::npos) << md;
  EXPECT_NE(md.find("2 sentences were longer than the context"), std::string::npos) << md;

  r.mode = "stream";
  r.bos = false;
  r.truncated = 0;
  r.groups.clear();
  const std::string md2 = to_markdown(r);
  EXPECT_EQ(md2.find("BOS"), std::string::npos) << md2;
  EXPECT_NE(md2.find("over windows"), std::string::npos) << md2;
  EXPECT_EQ(md2.find("| group |"), std::string::npos) << md2;
  EXPECT_EQ(md2.find("longer than the context"), std::string::npos) << md2;
}

}  // namespace
}  // namespace lq
