// compare_plans keeps every group objective's bootstrap replicates (PlanGroupRow::replicates) so
// plans can be differenced and ranked with paired intervals (eval/paired.h). The oracle here
// recomputes each replicate from the per-unit scores, drawing resample_counts(seed, r, n) per
// language as documented in eval/bootstrap.h, and must agree bit for bit: same draws, same order
// of summation. The point and interval of each group row must be those of the replicates.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "eval/comparison.h"
#include "eval/paired.h"

namespace lq {
namespace {

// Sums of one language under one resample, in compare_plans' order of summation.
struct Sums {
  double tokens = 0, bytes = 0;
  std::vector<double> nll, kl;
};

Sums sums(const LanguageScores& l, const ResampleCounts& c, size_t S) {
  Sums t;
  t.nll.assign(S, 0);
  t.kl.assign(S, 0);
  for (size_t i = 0; i < c.size(); ++i) {
    if (!c[i]) continue;
    t.tokens += c[i] * static_cast<double>(l.tokens[i]);
    t.bytes += c[i] * static_cast<double>(l.bytes[i]);
    for (size_t s = 0; s < S; ++s) {
      t.nll[s] += c[i] * l.nll[s][i];
      t.kl[s] += c[i] * l.kl[s][i];
    }
  }
  return t;
}

PlanSamples recomputed_group_objective(const std::vector<LanguageScores>& langs, const std::string& reference,
                                       const std::vector<std::string>& group, const std::string& objective,
                                       const BootstrapOptions& opt) {
  const size_t S = langs.empty() ? 0 : langs[0].nll.size();
  int ref = -1;
  for (size_t l = 0; l < langs.size(); ++l)
    if (langs[l].lang == reference) ref = static_cast<int>(l);
  const bool needs_ref = objective == "delta_bpb_gap" || objective == "lr_disparity";
  EXPECT_TRUE(!needs_ref || ref >= 0);
  std::vector<size_t> idx;  // same order as compare_plans: members in order, languages in order
  for (const auto& m : group)
    for (size_t l = 0; l < langs.size(); ++l)
      if (langs[l].lang == m) idx.push_back(l);
  const int B = std::max(0, opt.replicates);
  PlanSamples out(S, std::vector<double>(static_cast<size_t>(B) + 1, NAN));
  if (idx.empty()) return out;
  const double ln2 = std::log(2.0);
  auto degradation = [](const Sums& t, size_t s) { return std::exp((t.nll[s] - t.nll[0]) / t.tokens) - 1; };
  auto delta_bpb = [&](const Sums& t, size_t s) { return (t.nll[s] - t.nll[0]) / (t.bytes * ln2); };
  std::vector<Sums> t(langs.size());
  for (int r = -1; r < B; ++r) {
    for (size_t l = 0; l < langs.size(); ++l) t[l] = sums(langs[l], resample_counts(opt.seed, r, langs[l].tokens.size()), S);
    for (size_t s = 0; s < S; ++s) {
      double sum = 0;
      for (size_t l : idx) {
        const Sums& rt = ref >= 0 ? t[static_cast<size_t>(ref)] : t[l];
        if (objective == "kl") sum += t[l].kl[s] / t[l].tokens;
        else if (objective == "delta_bpb") sum += delta_bpb(t[l], s);
        else if (objective == "delta_bpb_gap") sum += delta_bpb(t[l], s) - delta_bpb(rt, s);
        else sum += degradation(t[l], s) / degradation(rt, s);
      }
      out[s][static_cast<size_t>(r + 1)] = sum / static_cast<double>(idx.size());
    }
  }
  return out;
}


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

TEST(GroupReplicates, StoredReplicatesEqualRecomputedOnes) {
  const auto langs = corpus(3);
  ComparisonOptions opt;
  opt.bootstrap = {150, 42, 0.95};
  opt.groups["lr"] = {"ar", "hi", "sw"};
  const Comparison c = compare_plans(langs, {"full-precision", "a", "b"}, opt);
  for (const std::string obj : {"kl", "delta_bpb", "delta_bpb_gap", "lr_disparity"}) {
    const PlanSamples want_samples = recomputed_group_objective(langs, "en", opt.groups["lr"], obj, opt.bootstrap);
    const PairedReplicates p(want_samples, 0.95);
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
      const std::vector<double>& stored = obj == "kl"              ? g.replicates.kl
                                          : obj == "delta_bpb"     ? g.replicates.delta_bpb
                                          : obj == "delta_bpb_gap" ? g.replicates.delta_bpb_gap
                                                                   : g.replicates.lr_disparity;
      const std::vector<double> recomputed(want_samples[s].begin() + 1, want_samples[s].end());
      ASSERT_EQ(stored.size(), 150u) << obj;
      EXPECT_EQ(stored, recomputed) << obj << " plan " << s;
    }
  }
}

}  // namespace
}  // namespace lq
