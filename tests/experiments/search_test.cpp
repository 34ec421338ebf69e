// The plan search on synthetic evaluators with known answers (no model): the objective is
// f(S) = base - sum of the groups' effects (+ pairwise interactions), observed per unit with
// Gaussian noise, so the cheapest set meeting the target is known by brute force.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "eval/comparison.h"
#include "experiments/search.h"
#include "experiments/search_output.h"

namespace lq::experiments {
namespace {

struct Synthetic : Evaluator {
  double base = 2.0;
  std::vector<double> effect;
  std::vector<std::vector<double>> interaction;  // added to f when both groups are in
  double sigma = 0.0;
  size_t units = 256;
  uint64_t seed = 1;
  int replicates = 200;

  double f(const GroupSet& s) const {
    double v = base;
    for (int g : s) v -= effect[static_cast<size_t>(g)];
    if (!interaction.empty())
      for (int a : s)
        for (int b : s)
          if (a < b) v += interaction[static_cast<size_t>(a)][static_cast<size_t>(b)];
    return v;
  }
  // Noise of unit i under set s: deterministic, independent across sets and units.
  double noise(const GroupSet& s, size_t i) const {
    uint64_t h = seed * 0x9E3779B97F4A7C15ull + i;
    for (int g : s) h = h * 1315423911ull + static_cast<uint64_t>(g) + 7;
    std::mt19937_64 rng(h);
    return sigma * std::normal_distribution<double>(0, 1)(rng);
  }
  size_t total_units() const override { return units; }
  std::vector<ObjectiveSample> evaluate(const std::vector<GroupSet>& sets, size_t n) override {
    std::vector<ObjectiveSample> out;
    for (const auto& s : sets) {
      std::vector<double> v(n);
      for (size_t i = 0; i < n; ++i) v[i] = f(s) + noise(s, i);
      ObjectiveSample o;
      for (int r = -1; r < replicates; ++r) {
        const auto c = resample_counts(42, r, n);
        double sum = 0;
        for (size_t i = 0; i < n; ++i) sum += c[i] * v[i];
        (r < 0 ? o.point : o.reps.emplace_back()) = sum / static_cast<double>(n);
      }
      out.push_back(o);
    }
    return out;
  }
};

std::function<double(const GroupSet&)> additive_cost(std::vector<double> c) {
  return [c](const GroupSet& s) {
    double t = 0;
    for (int g : s) t += c[static_cast<size_t>(g)];
    return t;
  };
}

// The cheapest set (ties: lower f) with f <= bound and cost <= budget, by enumeration.
GroupSet brute_force(const Synthetic& ev, const std::function<double(const GroupSet&)>& cost, double bound,
                     double budget, bool* found) {
  const size_t n = ev.effect.size();
  GroupSet best;
  *found = false;
  for (uint32_t m = 0; m < (1u << n); ++m) {
    GroupSet s;
    for (size_t g = 0; g < n; ++g)
      if (m >> g & 1) s.push_back(static_cast<int>(g));
    if (cost(s) > budget + 1e-12 || ev.f(s) > bound) continue;
    if (!*found || cost(s) < cost(best) || (cost(s) == cost(best) && ev.f(s) < ev.f(best))) best = s, *found = true;
  }
  return best;
}

TEST(Search, GreedyAndBeamFindKnownOptimum) {
  // Group 1 has the best effect per cost; {1, 4} (cost 0.07) is the cheapest set reaching 1.5:
  // {1, 2} reaches 1.55 only, {2, 4} costs as much but reaches 1.6, {3} alone 1.6.
  Synthetic ev;
  ev.effect = {0.15, 0.30, 0.15, 0.40, 0.25, 0.02};
  const auto cost = additive_cost({0.06, 0.03, 0.03, 0.08, 0.04, 0.02});
  bool found = false;
  const GroupSet want = brute_force(ev, cost, 1.5, 0.15, &found);
  ASSERT_TRUE(found);
  ASSERT_EQ(want, (GroupSet{1, 4}));
  for (double sigma : {0.0, 0.2})
    for (auto method : {SearchOptions::Greedy, SearchOptions::Beam}) {
      ev.sigma = sigma;
      SearchOptions o;
      o.method = method;
      o.target = {ObjectiveKind::LrDisparity, 1.5};
      o.budget = 0.15;
      const SearchResult r = run_search(ev, 6, cost, o);
      EXPECT_TRUE(r.meets_target);
      EXPECT_EQ(r.final().set, want) << "method " << method << " sigma " << sigma;
      // The path adds one group a step, costs add up, and the intervals hold the point.
      for (size_t i = 1; i < r.path.size(); ++i) {
        EXPECT_EQ(r.path[i].set.size(), i);
        EXPECT_NEAR(r.path[i].cost, cost(r.path[i].set), 1e-12);
        EXPECT_LE(r.path[i].objective.lo, r.path[i].objective.value + 1e-9);
        EXPECT_GE(r.path[i].objective.hi, r.path[i].objective.value - 1e-9);
      }
    }
}

TEST(Search, WideBeamEqualsBruteForceOnRandomInstances) {
  // Width 20 >= C(6, 3) keeps every set of every size: the beam is then exhaustive.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  int feasible = 0;
  for (int t = 0; t < 40; ++t) {
    Synthetic ev;
    std::vector<double> c;
    ev.interaction.assign(6, std::vector<double>(6, 0));
    for (int g = 0; g < 6; ++g) {
      ev.effect.push_back(0.4 * u(rng));
      c.push_back(0.01 + 0.05 * u(rng));
      for (int h = 0; h < 6; ++h) ev.interaction[g][h] = 0.1 * (u(rng) - 0.3);
    }
    const auto cost = additive_cost(c);
    const double bound = 1.2 + 0.6 * u(rng), budget = 0.1 + 0.15 * u(rng);
    bool found = false;
    const GroupSet want = brute_force(ev, cost, bound, budget, &found);
    SearchOptions o;
    o.method = SearchOptions::Beam;
    o.width = 20;
    o.race = false;
    o.target = {ObjectiveKind::LrDisparity, bound};
    o.budget = budget;
    const SearchResult r = run_search(ev, 6, cost, o);
    EXPECT_EQ(r.meets_target, found) << "instance " << t;
    if (found) {
      ++feasible;
      EXPECT_NEAR(cost(r.final().set), cost(want), 1e-12) << "instance " << t;
    }
    EXPECT_EQ(r.unit_evaluations, r.unit_evaluations_without_racing);
  }
  EXPECT_GT(feasible, 10);  // the instances exercise both outcomes
  EXPECT_LT(feasible, 40);
}

TEST(Search, RacingNeverDropsTheTrueBestAndSavesEvaluations) {
  // One greedy step among 8 groups of equal cost: group 5 is best by 0.15, the others are
  // spread below it; noise 0.5 per unit hides the order at 8 units but not at 512.
  int64_t saved = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    Synthetic ev;
    ev.effect = {0.05, 0.10, 0.0, 0.20, 0.15, 0.35, 0.02, 0.12};
    ev.sigma = 0.5;
    ev.units = 512;
    ev.seed = seed;
    ev.replicates = 100;
    SearchOptions o;
    o.target = {ObjectiveKind::LrDisparity, 1.7};  // reached by group 5 alone (2 - 0.35)
    o.budget = 0.01;                               // one group only
    const SearchResult r = run_search(ev, 8, additive_cost(std::vector<double>(8, 0.01)), o);
    ASSERT_EQ(r.path.size(), 2u) << "seed " << seed;
    EXPECT_EQ(r.final().added, 5) << "seed " << seed;
    saved += r.unit_evaluations_without_racing - r.unit_evaluations;
    EXPECT_LE(r.unit_evaluations, r.unit_evaluations_without_racing);
  }
  EXPECT_GT(saved, 0);
}

TEST(Search, BudgetRespectedAndInfeasibleTargetReported) {
  Synthetic ev;
  ev.effect = {0.1, 0.2, 0.1, 0.3, 0.05, 0.02};
  ev.sigma = 0.05;
  const auto cost = additive_cost({0.05, 0.05, 0.05, 0.05, 0.05, 0.05});
  for (auto method : {SearchOptions::Greedy, SearchOptions::Beam}) {
    SearchOptions o;
    o.method = method;
    o.target = {ObjectiveKind::LrDisparity, 1.0};  // needs 1.0 of effect: more than any 2 groups
    o.budget = 0.10;
    const SearchResult r = run_search(ev, 6, cost, o);
    EXPECT_FALSE(r.meets_target);
    for (const auto& s : r.path) EXPECT_LE(s.cost, 0.10 + 1e-12);
    // The best found within budget is groups {1, 3} (f = 1.5).
    EXPECT_EQ(r.final().set, (GroupSet{1, 3}));
    EXPECT_GT(r.final().objective.value, 1.0);
  }
}

TEST(Search, ObjectivePointsEqualComparePlans) {
  // Random per-unit scores for 4 languages; the search's objectives (own resampling) must have
  // the point values compare_plans reports for the same plan.
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  const std::vector<std::string> codes = {"en", "fi", "tr", "de"};
  std::vector<LanguageScores> ls;
  std::vector<LanguageUnits> lu;
  for (const auto& c : codes) {
    LanguageScores s;
    LanguageUnits l;
    s.lang = l.lang = c;
    s.nll.assign(2, {});
    s.kl.assign(2, {});
    s.top1.assign(2, {});
    for (int i = 0; i < 12; ++i) {
      const int64_t tok = 5 + static_cast<int64_t>(20 * u(rng));
      const double nll = tok * (2 + u(rng)), dn = tok * 0.3 * u(rng), kl = tok * 0.1 * u(rng);
      s.tokens.push_back(tok);
      s.bytes.push_back(tok * 4);
      s.chars.push_back(tok * 4);
      s.nll[0].push_back(nll);
      s.nll[1].push_back(nll + dn);
      s.kl[0].push_back(0);
      s.kl[1].push_back(kl);
      s.top1[0].push_back(tok);
      s.top1[1].push_back(tok);
      l.tokens.push_back(static_cast<double>(tok));
      l.bytes.push_back(static_cast<double>(tok * 4));
      l.nll_fp.push_back(nll);
      l.nll_q.push_back(nll + dn);
      l.kl.push_back(kl);
    }
    ls.push_back(s);
    lu.push_back(l);
  }
  ComparisonOptions co;
  co.groups["lr"] = {"fi", "tr"};
  co.bootstrap.replicates = 50;
  const Comparison cmp = compare_plans(ls, {"full-precision", "p"}, co);
  ObjectiveSpec spec;
  spec.reference = 0;
  spec.group = {1, 2};
  spec.replicates = 50;
  spec.kind = ObjectiveKind::LrDisparity;
  EXPECT_NEAR(objective_sample(lu, spec).point, cmp.group_rows.at(0).lr_disparity->e.value, 1e-12);
  spec.kind = ObjectiveKind::DeltaBpbGap;
  EXPECT_NEAR(objective_sample(lu, spec).point, cmp.group_rows.at(0).delta_bpb_gap.value, 1e-12);
  spec.kind = ObjectiveKind::MaxKl;
  double max_kl = 0;
  for (const auto& row : cmp.rows)
    if (row.plan == "p") max_kl = std::max(max_kl, row.kl.value);
  const ObjectiveSample mk = objective_sample(lu, spec);
  EXPECT_NEAR(mk.point, max_kl, 1e-12);
  EXPECT_EQ(mk.reps.size(), 50u);
  const Interval iv = interval_of(mk, 0.95);
  EXPECT_LT(iv.lo, iv.hi);
  // max_delta_bpb_gap: the largest row delta_bpb minus en's, over every language but en (the
  // group {fi, tr} plays no part: de counts too).
  spec.kind = ObjectiveKind::MaxDeltaBpbGap;
  spec.group.clear();
  double en_d = 0, gap = -INFINITY;
  for (const auto& row : cmp.rows)
    if (row.plan == "p" && row.lang == "en") en_d = row.delta_bpb.value;
  std::string worst;
  for (const auto& row : cmp.rows)
    if (row.plan == "p" && row.lang != "en" && row.delta_bpb.value - en_d > gap)
      gap = row.delta_bpb.value - en_d, worst = row.lang;
  const ObjectiveSample mg = objective_sample(lu, spec);
  EXPECT_NEAR(mg.point, gap, 1e-12);
  EXPECT_EQ(lu[static_cast<size_t>(worst_language(lu, spec))].lang, worst);
  const Interval gi = interval_of(mg, 0.95);
  EXPECT_LT(gi.lo, gi.hi);
}

// One unit per language with a chosen delta_bpb: bytes 1000, NLL rising by d * 1000 * ln 2.
LanguageUnits with_delta_bpb(const std::string& lang, double d) {
  return {lang, {250}, {1000}, {900}, {900 + d * 1000 * std::log(2.0)}, {1}};
}

TEST(Search, MaxDeltaBpbGapByHand) {
  // delta_bpb: en 0.10, fi 0.35, tr 0.20, de 0.05. Against en the worst is fi, 0.25 bits above.
  const std::vector<LanguageUnits> lu = {with_delta_bpb("en", 0.10), with_delta_bpb("fi", 0.35),
                                         with_delta_bpb("tr", 0.20), with_delta_bpb("de", 0.05)};
  ObjectiveSpec spec;
  spec.kind = ObjectiveKind::MaxDeltaBpbGap;
  spec.reference = 0;
  spec.replicates = 0;
  EXPECT_NEAR(objective_sample(lu, spec).point, 0.25, 1e-12);
  EXPECT_EQ(worst_language(lu, spec), 1);
  // The reference is configurable and never its own competitor: against fi (the worst) every
  // gap is negative, and the largest is tr's, 0.20 - 0.35.
  spec.reference = 1;
  EXPECT_NEAR(objective_sample(lu, spec).point, -0.15, 1e-12);
  EXPECT_EQ(worst_language(lu, spec), 2);
  // A target is met only at or above the worst gap.
  spec.reference = 0;
  SearchStep st;
  st.objective = {objective_sample(lu, spec).point, 0.2, 0.3};
  EXPECT_FALSE(st.meets(parse_target("max_delta_bpb_gap<=0.2")));
  EXPECT_TRUE(st.meets(parse_target("max_delta_bpb_gap<=0.2501")));
  // The reference alone has nothing to compare.
  EXPECT_ANY_THROW(objective_sample({lu[0]}, spec));
}

TEST(Search, MaxDeltaBpbGapTakesTheMaximumInEveryReplicate) {
  // Two units per language; which language is worst depends on the resample, so each replicate
  // must be the maximum of that replicate's gaps, not the gap of the point estimate's worst.
  const double l2 = std::log(2.0);
  LanguageUnits en{"en", {10, 10}, {100, 100}, {50, 50}, {50 + 0.1 * 100 * l2, 50 + 0.1 * 100 * l2}, {0, 0}};
  LanguageUnits fi{"fi", {10, 10}, {100, 100}, {50, 50}, {50 + 0.9 * 100 * l2, 50}, {0, 0}};
  LanguageUnits tr{"tr", {10, 10}, {100, 100}, {50, 50}, {50, 50 + 0.8 * 100 * l2}, {0, 0}};
  ObjectiveSpec spec;
  spec.kind = ObjectiveKind::MaxDeltaBpbGap;
  spec.reference = 0;
  spec.replicates = 64;
  const ObjectiveSample s = objective_sample({en, fi, tr}, spec);
  EXPECT_NEAR(s.point, 0.45 - 0.1, 1e-12);  // fi: (0.9 + 0) / 2
  ASSERT_EQ(s.reps.size(), 64u);
  bool tr_worst_somewhere = false;
  for (int r = 0; r < 64; ++r) {
    const auto c = resample_counts(spec.seed, r, 2);  // the same draw for all three languages
    const double f = 0.9 * c[0] / 2.0, t = 0.8 * c[1] / 2.0;
    EXPECT_NEAR(s.reps[static_cast<size_t>(r)], std::max(f, t) - 0.1, 1e-12) << r;
    tr_worst_somewhere |= t > f;
  }
  EXPECT_TRUE(tr_worst_somewhere);
}

TEST(Search, PlanTomlKeepsALlamaMixtureBase) {
  // A search over --base Q4_0 (llama.cpp's mixture: norms F32, tied embedding Q8_0) must write
  // that base, not the mixture's default format q4_0, which quantizes every tensor.
  const std::string toml = plan_toml("search", "base=Q4_0; keep fp16 layers=0", {"c"});
  EXPECT_NE(toml.find("base = \"Q4_0\""), std::string::npos) << toml;
  EXPECT_NE(plan_toml("search", "base=q4_0", {}).find("base = \"q4_0\""), std::string::npos);
}

TEST(Search, LrDisparityUnstableWhenReferenceUnchanged) {
  // The reference's NLL does not move: its degradation is 0 in every replicate, the ratio is
  // meaningless and must not meet any target; a moved reference is stable.
  LanguageUnits en{"en", {10, 12, 9}, {40, 50, 30}, {20, 25, 18}, {20, 25, 18}, {0, 0, 0}};
  LanguageUnits fi{"fi", {10, 12, 9}, {40, 50, 30}, {20, 25, 18}, {22, 27, 19}, {1, 1, 1}};
  ObjectiveSpec spec;
  spec.reference = 0;
  spec.group = {1};
  spec.replicates = 50;
  EXPECT_TRUE(objective_sample({en, fi}, spec).unstable);
  en.nll_q = {21, 26, 19};
  EXPECT_FALSE(objective_sample({en, fi}, spec).unstable);
  SearchStep st;
  st.objective = {0.5, 0.4, 0.6};
  st.unstable = true;
  EXPECT_FALSE(st.meets({ObjectiveKind::LrDisparity, 1.5}));
  st.unstable = false;
  EXPECT_TRUE(st.meets({ObjectiveKind::LrDisparity, 1.5}));
}

TEST(Search, ParseTarget) {
  EXPECT_EQ(parse_target("lr_disparity<=1.5").kind, ObjectiveKind::LrDisparity);
  EXPECT_DOUBLE_EQ(parse_target("delta_bpb_gap <= 0.05").bound, 0.05);
  EXPECT_EQ(parse_target("max_kl<=0.1").kind, ObjectiveKind::MaxKl);
  EXPECT_EQ(parse_target("max_delta_bpb_gap<=0.05").kind, ObjectiveKind::MaxDeltaBpbGap);
  EXPECT_EQ(target_text(parse_target("max_delta_bpb_gap <= 0.05")), "max_delta_bpb_gap<=0.05");
  EXPECT_ANY_THROW(parse_target("lr_disparity<1.5"));
  EXPECT_ANY_THROW(parse_target("speed<=1"));
  EXPECT_ANY_THROW(parse_target("max_kl<=abc"));
}

}  // namespace
}  // namespace lq::experiments
