// compare_plans (src/eval/comparison.cpp) on synthetic per-unit scores with known answers:
// point estimates of every quantity of research brief §1, a plan identical to full precision,
// the pairing of the bootstrap (within a language across sets, and across languages with the
// same unit count), group means, and the error for a missing reference language.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "core/error.h"
#include "eval/comparison.h"

namespace lq {
namespace {

const double kLn2 = std::log(2.0);

// One language with per-unit tokens/bytes and, per set, per-unit NLL / KL / top-1 counts.
LanguageScores lang(const std::string& code, std::vector<int64_t> tokens, std::vector<int64_t> bytes,
                    std::vector<std::vector<double>> nll, std::vector<std::vector<double>> kl = {},
                    std::vector<std::vector<int64_t>> top1 = {}) {
  LanguageScores l;
  l.lang = code;
  l.tokens = tokens;
  l.bytes = bytes;
  l.chars = bytes;
  l.nll = nll;
  const size_t S = nll.size(), n = tokens.size();
  l.kl = kl.empty() ? std::vector<std::vector<double>>(S, std::vector<double>(n, 0.0)) : kl;
  l.top1 = top1.empty() ? std::vector<std::vector<int64_t>>(S, tokens) : top1;
  return l;
}

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }
int64_t sum(const std::vector<int64_t>& v) { return std::accumulate(v.begin(), v.end(), int64_t{0}); }

const PlanLanguageRow& row(const Comparison& c, const std::string& plan, const std::string& l) {
  for (const auto& r : c.rows)
    if (r.plan == plan && r.lang == l) return r;
  throw std::runtime_error("no row " + plan + "/" + l);
}

const PlanGroupRow& group(const Comparison& c, const std::string& plan, const std::string& g) {
  for (const auto& r : c.group_rows)
    if (r.plan == plan && r.group == g) return r;
  throw std::runtime_error("no group row " + plan + "/" + g);
}

ComparisonOptions options(int replicates = 200) {
  ComparisonOptions o;
  o.reference = "en";
  o.bootstrap.replicates = replicates;
  o.groups["lr"] = {"sw", "yo"};
  return o;
}

// Three languages (en reference, sw and yo low-resource), FP + two plans.
std::vector<LanguageScores> fixture() {
  return {
      lang("en", {4, 6, 5, 3, 7}, {20, 25, 22, 15, 30},
           {{8.0, 11.0, 9.5, 6.0, 13.0}, {8.4, 11.9, 9.7, 6.6, 13.5}, {9.0, 12.0, 10.5, 7.0, 14.5}},
           {{0, 0, 0, 0, 0}, {0.1, 0.3, 0.2, 0.05, 0.4}, {0.5, 0.7, 0.6, 0.4, 0.9}},
           {{4, 6, 5, 3, 7}, {4, 5, 5, 3, 6}, {3, 4, 4, 2, 5}}),
      lang("sw", {6, 8, 7, 9, 5}, {21, 27, 24, 30, 18},
           {{14.0, 18.0, 16.0, 21.0, 12.0}, {15.5, 20.0, 17.0, 23.5, 13.0}, {17.0, 22.0, 19.5, 25.0, 15.0}},
           {{0, 0, 0, 0, 0}, {0.6, 0.9, 0.5, 1.1, 0.4}, {1.2, 1.5, 1.4, 1.8, 1.0}},
           {{6, 8, 7, 9, 5}, {5, 6, 6, 7, 4}, {4, 5, 5, 6, 3}}),
      lang("yo", {9, 11, 10, 8}, {24, 29, 26, 22},
           {{25.0, 30.0, 27.0, 22.0}, {27.0, 33.0, 29.5, 23.5}, {30.0, 36.0, 33.0, 26.0}},
           {{0, 0, 0, 0}, {0.7, 1.0, 0.8, 0.6}, {1.6, 2.0, 1.7, 1.3}},
           {{9, 11, 10, 8}, {7, 8, 8, 6}, {5, 6, 6, 5}}),
  };
}

// Expected point values straight from the definitions (research brief §1).
struct Expected {
  double nll, ppl, bpb, degradation, delta_bpb, kl, top1, dnll;
};

Expected expected(const LanguageScores& l, size_t s) {
  const double T = static_cast<double>(sum(l.tokens)), B = static_cast<double>(sum(l.bytes));
  const double fp = sum(l.nll[0]), p = sum(l.nll[s]);
  Expected e;
  e.nll = p / T;
  e.ppl = std::exp(p / T);
  e.bpb = p / (B * kLn2);
  e.degradation = std::exp(p / T) / std::exp(fp / T) - 1;
  e.delta_bpb = p / (B * kLn2) - fp / (B * kLn2);
  e.kl = sum(l.kl[s]) / T;
  e.top1 = static_cast<double>(sum(l.top1[s])) / T;
  e.dnll = p - fp;
  return e;
}

TEST(Comparison, PointEstimatesMatchDefinitions) {
  const auto langs = fixture();
  const std::vector<std::string> names = {"full-precision", "p1", "p2"};
  const Comparison c = compare_plans(langs, names, options());
  ASSERT_EQ(c.rows.size(), 9u);
  // Plan-major, full precision first, languages in corpus order.
  EXPECT_EQ(c.rows[0].plan, "full-precision");
  EXPECT_EQ(c.rows[0].lang, "en");
  EXPECT_EQ(c.rows[3].plan, "p1");
  EXPECT_EQ(c.rows[8].plan, "p2");
  EXPECT_EQ(c.rows[8].lang, "yo");
  const double tol = 1e-12;
  for (size_t s = 0; s < names.size(); ++s) {
    const Expected ref = expected(langs[0], s);
    for (const auto& l : langs) {
      const PlanLanguageRow& r = row(c, names[s], l.lang);
      const Expected e = expected(l, s);
      SCOPED_TRACE(names[s] + "/" + l.lang);
      EXPECT_EQ(r.units, static_cast<int64_t>(l.tokens.size()));
      EXPECT_EQ(r.tokens, sum(l.tokens));
      EXPECT_EQ(r.bytes, sum(l.bytes));
      EXPECT_NEAR(r.nll.value, e.nll, tol);
      EXPECT_NEAR(r.ppl.value, e.ppl, tol * e.ppl);
      EXPECT_NEAR(r.bpb.value, e.bpb, tol);
      if (s == 0) {
        EXPECT_EQ(r.top1.value, 1.0);
        EXPECT_TRUE(std::isnan(r.disparity.e.value));
        EXPECT_TRUE(std::isnan(r.nll_disparity.e.value));
        continue;
      }
      EXPECT_NEAR(r.degradation.value, e.degradation, tol);
      EXPECT_NEAR(r.delta_bpb.value, e.delta_bpb, tol);
      EXPECT_NEAR(r.kl.value, e.kl, tol);
      EXPECT_NEAR(r.top1.value, e.top1, tol);
      EXPECT_FALSE(r.disparity.unstable);
      EXPECT_FALSE(r.nll_disparity.unstable);
      EXPECT_NEAR(r.disparity.e.value, e.degradation / ref.degradation, 1e-10);
      EXPECT_NEAR(r.nll_disparity.e.value, e.dnll / ref.dnll, 1e-10);
      if (l.lang == "en") {
        EXPECT_NEAR(r.disparity.e.value, 1.0, 1e-12);
        EXPECT_NEAR(r.nll_disparity.e.value, 1.0, 1e-12);
      }
      // Every interval holds its point.
      for (const Estimate* x : {&r.nll, &r.bpb, &r.degradation, &r.delta_bpb, &r.kl, &r.top1, &r.disparity.e,
                                &r.nll_disparity.e}) {
        EXPECT_LE(x->lo, x->value + 1e-12);
        EXPECT_GE(x->hi, x->value - 1e-12);
      }
    }
  }
}

TEST(Comparison, GroupMeansOverMembers) {
  const auto langs = fixture();
  const Comparison c = compare_plans(langs, {"full-precision", "p1", "p2"}, options());
  ASSERT_EQ(c.group_rows.size(), 2u);  // one per plan (FP has none)
  for (const std::string plan : {"p1", "p2"}) {
    const size_t s = plan == "p1" ? 1 : 2;
    const Expected en = expected(langs[0], s), sw = expected(langs[1], s), yo = expected(langs[2], s);
    const PlanGroupRow& g = group(c, plan, "lr");
    SCOPED_TRACE(plan);
    ASSERT_TRUE(g.lr_disparity.has_value());
    EXPECT_FALSE(g.lr_disparity->unstable);
    EXPECT_NEAR(g.lr_disparity->e.value, (sw.degradation / en.degradation + yo.degradation / en.degradation) / 2,
                1e-10);
    EXPECT_NEAR(g.delta_bpb.value, (sw.delta_bpb + yo.delta_bpb) / 2, 1e-12);
    EXPECT_NEAR(g.delta_bpb_gap.value, (sw.delta_bpb + yo.delta_bpb) / 2 - en.delta_bpb, 1e-12);
    EXPECT_NEAR(g.kl.value, (sw.kl + yo.kl) / 2, 1e-12);
    EXPECT_LE(g.lr_disparity->e.lo, g.lr_disparity->e.value);
    EXPECT_GE(g.lr_disparity->e.hi, g.lr_disparity->e.value);
  }
  // A group naming no language of the corpus gives no row; an unknown member is skipped.
  auto o = options();
  o.groups["ghost"] = {"xx"};
  o.groups["lr"] = {"sw", "xx"};
  const Comparison d = compare_plans(langs, {"full-precision", "p1", "p2"}, o);
  EXPECT_EQ(d.group_rows.size(), 2u);
  EXPECT_NEAR(group(d, "p1", "lr").lr_disparity->e.value,
              expected(langs[1], 1).degradation / expected(langs[0], 1).degradation, 1e-10);
}

TEST(Comparison, PlanIdenticalToFullPrecision) {
  auto langs = fixture();
  for (auto& l : langs) {
    l.nll[1] = l.nll[0];
    l.kl[1].assign(l.kl[1].size(), 0.0);
    l.top1[1] = l.tokens;
  }
  const Comparison c = compare_plans(langs, {"full-precision", "same", "p2"}, options());
  for (const auto& l : langs) {
    const PlanLanguageRow& r = row(c, "same", l.lang);
    SCOPED_TRACE(l.lang);
    EXPECT_EQ(r.degradation.value, 0.0);
    EXPECT_EQ(r.degradation.lo, 0.0);
    EXPECT_EQ(r.degradation.hi, 0.0);
    EXPECT_EQ(r.delta_bpb.value, 0.0);
    EXPECT_EQ(r.kl.value, 0.0);
    EXPECT_EQ(r.top1.value, 1.0);
    EXPECT_EQ(r.nll.value, row(c, "full-precision", l.lang).nll.value);
    EXPECT_TRUE(r.disparity.unstable);
    EXPECT_TRUE(r.nll_disparity.unstable);
    // The other plan is unaffected.
    EXPECT_FALSE(row(c, "p2", l.lang).disparity.unstable);
  }
  EXPECT_TRUE(group(c, "same", "lr").lr_disparity->unstable);
  EXPECT_FALSE(group(c, "p2", "lr").lr_disparity->unstable);
}

TEST(Comparison, ReferenceDegradationStraddlingZeroIsUnstable) {
  // English NLL goes up on some sentences and down on others: the interval of its degradation
  // contains 0, so every disparity of that plan is unstable, though the point is a number.
  auto langs = fixture();
  langs[0].nll[1] = {8.0 + 1.0, 11.0 - 1.0, 9.5 + 1.0, 6.0 - 1.0, 13.0 + 0.25};
  const Comparison c = compare_plans(langs, {"full-precision", "p1", "p2"}, options(500));
  const PlanLanguageRow& en = row(c, "p1", "en");
  EXPECT_GT(en.degradation.value, 0.0);
  EXPECT_LT(en.degradation.lo, 0.0);
  EXPECT_TRUE(row(c, "p1", "sw").disparity.unstable);
  EXPECT_TRUE(row(c, "p1", "sw").nll_disparity.unstable);
  EXPECT_TRUE(group(c, "p1", "lr").lr_disparity->unstable);
  EXPECT_FALSE(row(c, "p2", "sw").disparity.unstable);
}

TEST(Comparison, PairedBootstrapCancelsSentenceVariation) {
  // Plan NLL = FP NLL + 0.5 per token on every sentence: whatever a replicate resamples, the
  // plan's mean NLL is the FP mean + 0.5, so degradation is exp(0.5) - 1 in every replicate and
  // its interval has zero width, while the FP NLL's own interval does not. Values are dyadic,
  // so every sum is exact.
  std::vector<LanguageScores> langs = {
      lang("en", {4, 6, 5, 3, 7, 2, 8}, {20, 25, 22, 15, 30, 9, 33},
           {{8.0, 15.0, 9.5, 3.0, 20.0, 2.5, 12.0}, {}}),
      lang("sw", {6, 8, 7, 9, 5, 3, 4}, {21, 27, 24, 30, 18, 10, 14},
           {{14.0, 30.0, 16.0, 21.0, 6.0, 9.0, 12.0}, {}}),
  };
  for (auto& l : langs) {
    l.nll[1].resize(l.tokens.size());
    for (size_t i = 0; i < l.tokens.size(); ++i) l.nll[1][i] = l.nll[0][i] + 0.5 * static_cast<double>(l.tokens[i]);
  }
  // sw's per-sentence NLL change is exactly twice en's on the same sentence index.
  for (size_t i = 0; i < langs[1].tokens.size(); ++i)
    langs[1].nll[1][i] = langs[1].nll[0][i] + 2 * (langs[0].nll[1][i] - langs[0].nll[0][i]);
  auto o = options(300);
  o.groups.clear();
  const Comparison c = compare_plans(langs, {"full-precision", "shift"}, o);
  const PlanLanguageRow& en = row(c, "shift", "en");
  EXPECT_DOUBLE_EQ(en.degradation.value, std::exp(0.5) - 1);
  EXPECT_EQ(en.degradation.lo, en.degradation.hi);
  EXPECT_EQ(en.degradation.lo, en.degradation.value);
  const PlanLanguageRow& fp = row(c, "full-precision", "en");
  EXPECT_LT(fp.nll.lo, fp.nll.hi - 0.1);  // the unpaired quantity does vary
  // Across languages: same unit count -> same draws, so the NLL disparity (2x on every
  // sentence) is exactly 2 in every replicate. Unpaired draws would not give a constant.
  const PlanLanguageRow& sw = row(c, "shift", "sw");
  EXPECT_EQ(sw.nll_disparity.e.value, 2.0);
  EXPECT_EQ(sw.nll_disparity.e.lo, 2.0);
  EXPECT_EQ(sw.nll_disparity.e.hi, 2.0);
  EXPECT_LT(sw.degradation.lo, sw.degradation.hi);  // sw's own degradation does vary

  // With a different number of units, sw draws other sentences than en: the ratio now varies.
  langs[1].tokens.push_back(5);
  langs[1].bytes.push_back(17);
  langs[1].chars.push_back(17);
  for (size_t s = 0; s < 2; ++s) {
    langs[1].nll[s].push_back(s == 0 ? 10.0 : 14.0);
    langs[1].kl[s].push_back(0);
    langs[1].top1[s].push_back(5);
  }
  const Comparison d = compare_plans(langs, {"full-precision", "shift"}, o);
  EXPECT_LT(row(d, "shift", "sw").nll_disparity.e.lo, row(d, "shift", "sw").nll_disparity.e.hi);
}

TEST(Comparison, DeterministicForSeed) {
  const auto langs = fixture();
  auto o = options(100);
  const Comparison a = compare_plans(langs, {"full-precision", "p1", "p2"}, o);
  const Comparison b = compare_plans(langs, {"full-precision", "p1", "p2"}, o);
  o.bootstrap.seed += 7;
  const Comparison d = compare_plans(langs, {"full-precision", "p1", "p2"}, o);
  bool any_interval_differs = false;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(a.rows[i].degradation.lo, b.rows[i].degradation.lo);
    EXPECT_EQ(a.rows[i].degradation.hi, b.rows[i].degradation.hi);
    EXPECT_EQ(a.rows[i].nll.value, d.rows[i].nll.value);
    EXPECT_EQ(a.rows[i].degradation.value, d.rows[i].degradation.value);
    any_interval_differs |= a.rows[i].nll.lo != d.rows[i].nll.lo || a.rows[i].nll.hi != d.rows[i].nll.hi;
  }
  EXPECT_TRUE(any_interval_differs);
}

TEST(Comparison, NoReplicatesGivesPointsOnly) {
  // --bootstrap 0: points without intervals; a ratio is unstable only when its denominator is
  // exactly 0 (there is no interval to test), so disparities are still reported.
  auto langs = fixture();
  for (auto& l : langs) l.nll[2] = l.nll[0];  // p2 changes nothing
  const Comparison c = compare_plans(langs, {"full-precision", "p1", "p2"}, options(0));
  const PlanLanguageRow& r = row(c, "p1", "sw");
  EXPECT_NEAR(r.degradation.value, expected(langs[1], 1).degradation, 1e-12);
  EXPECT_TRUE(std::isnan(r.degradation.lo));
  EXPECT_TRUE(std::isnan(r.degradation.hi));
  EXPECT_FALSE(r.disparity.unstable);
  EXPECT_FALSE(r.nll_disparity.unstable);
  EXPECT_NEAR(r.disparity.e.value, expected(langs[1], 1).degradation / expected(langs[0], 1).degradation, 1e-10);
  EXPECT_FALSE(group(c, "p1", "lr").lr_disparity->unstable);
  EXPECT_TRUE(row(c, "p2", "sw").disparity.unstable);
  EXPECT_TRUE(row(c, "p2", "sw").nll_disparity.unstable);
  EXPECT_TRUE(group(c, "p2", "lr").lr_disparity->unstable);
}

TEST(Comparison, MissingReferenceLanguage) {
  auto langs = fixture();
  langs.erase(langs.begin());  // no en
  try {
    compare_plans(langs, {"full-precision", "p1", "p2"}, options());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("en"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--ref"), std::string::npos) << e.what();
  }
  auto o = options();
  o.reference = "sw";  // another reference works
  const Comparison c = compare_plans(langs, {"full-precision", "p1", "p2"}, o);
  EXPECT_NEAR(row(c, "p1", "sw").disparity.e.value, 1.0, 1e-12);
  // Full precision alone needs no reference.
  EXPECT_NO_THROW(compare_plans(langs, {"full-precision"}, options()));
}

}  // namespace
}  // namespace lq
