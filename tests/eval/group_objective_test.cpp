// eval/group_objective.h: the point and interval of every group objective equal compare_plans'
// group rows bit for bit (same draws, same order of summation).
#include "eval/group_objective.h"

#include <gtest/gtest.h>

#include <random>

namespace lq {
namespace {

std::vector<LanguageScores> corpus(size_t plans) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> len(3, 25);
  std::uniform_real_distribution<double> u(0.5, 4.0), small(0.0, 0.4);
  std::vector<LanguageScores> out;
  for (const char* code : {"en", "ar", "hi", "sw"}) {
    LanguageScores l;
    l.lang = code;
    const size_t n = l.lang == "sw" ? 13 : 17;  // one language of another size: another draw
    l.nll.assign(plans, {});
    l.kl.assign(plans, {});
    l.top1.assign(plans, {});
    for (size_t i = 0; i < n; ++i) {
      const int t = len(rng);
      l.tokens.push_back(t);
      l.bytes.push_back(3 * t + 1);
      l.chars.push_back(2 * t);
      const double a = u(rng);
      for (size_t s = 0; s < plans; ++s) {
        l.nll[s].push_back(t * (a + (s ? 0.1 * static_cast<double>(s) + small(rng) : 0.0)));
        l.kl[s].push_back(s ? t * small(rng) : 0.0);
        l.top1[s].push_back(t);
      }
    }
    out.push_back(std::move(l));
  }
  return out;
}

TEST(GroupObjective, EqualsComparePlansGroupRows) {
  const auto langs = corpus(3);
  ComparisonOptions opt;
  opt.bootstrap = {150, 42, 0.95};
  opt.groups["lr"] = {"ar", "hi", "sw"};
  const Comparison c = compare_plans(langs, {"full-precision", "a", "b"}, opt);
  for (const std::string obj : {"kl", "delta_bpb", "delta_bpb_gap", "lr_disparity"}) {
    const PairedReplicates p(group_objective_samples(langs, "en", opt.groups["lr"], obj, opt.bootstrap), 0.95);
    for (size_t s = 1; s < 3; ++s) {
      const PlanGroupRow& g = c.group_rows[s - 1];
      const Estimate want = obj == "kl"              ? g.kl
                            : obj == "delta_bpb"     ? g.delta_bpb
                            : obj == "delta_bpb_gap" ? g.delta_bpb_gap
                                                     : g.lr_disparity->e;
      const Estimate got = p.plan(s);
      EXPECT_EQ(got.value, want.value) << obj << " plan " << s;
      EXPECT_EQ(got.lo, want.lo) << obj << " plan " << s;
      EXPECT_EQ(got.hi, want.hi) << obj << " plan " << s;
    }
  }
}

}  // namespace
}  // namespace lq
