#include "eval/comparison.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "core/error.h"

namespace lq {
namespace {

// Totals of one language in one replicate, for every set.
struct Totals {
  double tokens = 0, bytes = 0;
  std::vector<double> nll, kl, top1;
};

Totals totals(const LanguageScores& l, const std::vector<uint32_t>& c, size_t S) {
  Totals t;
  t.nll.assign(S, 0);
  t.kl.assign(S, 0);
  t.top1.assign(S, 0);
  for (size_t i = 0; i < c.size(); ++i) {
    if (!c[i]) continue;
    t.tokens += c[i] * static_cast<double>(l.tokens[i]);
    t.bytes += c[i] * static_cast<double>(l.bytes[i]);
    for (size_t s = 0; s < S; ++s) {
      t.nll[s] += c[i] * l.nll[s][i];
      t.kl[s] += c[i] * l.kl[s][i];
      t.top1[s] += c[i] * static_cast<double>(l.top1[s][i]);
    }
  }
  return t;
}

// A quantity's point value and its bootstrap replicates, reduced to an Estimate.
struct Samples {
  double point = NAN;
  std::vector<double> reps;
  Estimate estimate(double confidence) const { return percentile_interval(point, reps, confidence); }
};

bool contains_zero(const Estimate& e) { return !(e.lo > 0 || e.hi < 0); }

// Whether a ratio with this denominator is unstable: its interval contains zero. Without
// replicates (--bootstrap 0) there is no interval, and only a zero (or non-finite) denominator
// makes the ratio meaningless.
bool unstable_denominator(const Estimate& e, int replicates) {
  if (replicates == 0) return !(std::isfinite(e.value) && e.value != 0);
  return contains_zero(e);
}

}  // namespace

std::vector<std::string> default_low_resource(const std::vector<std::string>& langs, const std::string& reference) {
  static const std::set<std::string> high = {"en", "de", "fr", "es", "it", "pt", "ru", "zh", "ja", "nl"};
  std::vector<std::string> out;
  for (const auto& l : langs)
    if (l != reference && !high.count(l)) out.push_back(l);
  return out;
}

Comparison compare_plans(const std::vector<LanguageScores>& langs, const std::vector<std::string>& plan_names,
                         const ComparisonOptions& opt) {
  const size_t S = plan_names.size(), L = langs.size();
  const int B = std::max(0, opt.bootstrap.replicates);
  int ref = -1;
  for (size_t l = 0; l < L; ++l)
    if (langs[l].lang == opt.reference) ref = static_cast<int>(l);
  if (ref < 0 && S > 1) fail("--ref " + opt.reference, "the corpus has no language '" + opt.reference + "'");

  // reps[l][r + 1]: totals of language l in replicate r (index 0: the point estimate).
  std::vector<std::vector<Totals>> reps(L);
  for (size_t l = 0; l < L; ++l) {
    const size_t n = langs[l].tokens.size();
    for (int r = -1; r < B; ++r) reps[l].push_back(totals(langs[l], resample_counts(opt.bootstrap.seed, r, n), S));
  }
  const double ln2 = std::log(2.0);
  auto degradation = [&](const Totals& t, size_t s) { return std::exp((t.nll[s] - t.nll[0]) / t.tokens) - 1; };
  auto delta_bpb = [&](const Totals& t, size_t s) { return (t.nll[s] - t.nll[0]) / (t.bytes * ln2); };
  auto sample = [&](size_t l, auto&& f) {
    Samples x;
    x.point = f(reps[l][0], ref >= 0 ? reps[ref][0] : reps[l][0]);
    for (int r = 0; r < B; ++r) x.reps.push_back(f(reps[l][r + 1], ref >= 0 ? reps[ref][r + 1] : reps[l][r + 1]));
    return x;
  };
  const double conf = opt.bootstrap.confidence;

  Comparison out;
  for (size_t s = 0; s < S; ++s) {
    // The reference language's denominators decide stability of this plan's ratios.
    bool deg_ref_zero = true, dnll_ref_zero = true;
    if (s > 0 && ref >= 0) {
      deg_ref_zero = unstable_denominator(
          sample(ref, [&](const Totals& t, const Totals&) { return degradation(t, s); }).estimate(conf), B);
      dnll_ref_zero = unstable_denominator(
          sample(ref, [&](const Totals& t, const Totals&) { return t.nll[s] - t.nll[0]; }).estimate(conf), B);
    }
    for (size_t l = 0; l < L; ++l) {
      PlanLanguageRow row;
      row.plan = plan_names[s];
      row.lang = langs[l].lang;
      row.units = static_cast<int64_t>(langs[l].tokens.size());
      for (size_t i = 0; i < langs[l].tokens.size(); ++i) {
        row.tokens += langs[l].tokens[i];
        row.bytes += langs[l].bytes[i];
        row.chars += langs[l].chars[i];
      }
      row.nll = sample(l, [&](const Totals& t, const Totals&) { return t.nll[s] / t.tokens; }).estimate(conf);
      row.ppl = {std::exp(row.nll.value), std::exp(row.nll.lo), std::exp(row.nll.hi)};
      row.bpb = sample(l, [&](const Totals& t, const Totals&) { return t.nll[s] / (t.bytes * ln2); }).estimate(conf);
      if (s > 0) {
        row.degradation = sample(l, [&](const Totals& t, const Totals&) { return degradation(t, s); }).estimate(conf);
        row.delta_bpb = sample(l, [&](const Totals& t, const Totals&) { return delta_bpb(t, s); }).estimate(conf);
        row.kl = sample(l, [&](const Totals& t, const Totals&) { return t.kl[s] / t.tokens; }).estimate(conf);
        row.top1 = sample(l, [&](const Totals& t, const Totals&) { return t.top1[s] / t.tokens; }).estimate(conf);
        if (ref >= 0) {
          row.disparity.unstable = deg_ref_zero;
          row.disparity.e = sample(l, [&](const Totals& t, const Totals& rt) {
                              return degradation(t, s) / degradation(rt, s);
                            }).estimate(conf);
          row.nll_disparity.unstable = dnll_ref_zero;
          row.nll_disparity.e = sample(l, [&](const Totals& t, const Totals& rt) {
                                  return (t.nll[s] - t.nll[0]) / (rt.nll[s] - rt.nll[0]);
                                }).estimate(conf);
        }
      } else {
        // Full precision against itself: no change by definition; its ratios are undefined.
        row.top1 = {1, 1, 1};
        row.disparity.e = row.nll_disparity.e = {NAN, NAN, NAN};
      }
      out.rows.push_back(std::move(row));
    }
    if (s == 0) continue;
    for (const auto& [name, members] : opt.groups) {
      std::vector<size_t> idx;
      for (const auto& m : members)
        for (size_t l = 0; l < L; ++l)
          if (langs[l].lang == m) idx.push_back(l);
      if (idx.empty()) continue;
      auto group_sample = [&](auto&& f) {
        Samples x;
        for (int r = -1; r < B; ++r) {
          double sum = 0;
          for (size_t l : idx) sum += f(reps[l][r + 1], ref >= 0 ? reps[ref][r + 1] : reps[l][r + 1]);
          (r < 0 ? x.point : x.reps.emplace_back()) = sum / static_cast<double>(idx.size());
        }
        return x;
      };
      PlanGroupRow g;
      g.plan = plan_names[s];
      g.group = name;
      auto keep = [&](const Samples& x, std::vector<double>& replicates) {
        replicates = x.reps;
        return x.estimate(conf);
      };
      g.delta_bpb = keep(group_sample([&](const Totals& t, const Totals&) { return delta_bpb(t, s); }),
                         g.replicates.delta_bpb);
      g.kl = keep(group_sample([&](const Totals& t, const Totals&) { return t.kl[s] / t.tokens; }), g.replicates.kl);
      if (ref >= 0) {
        g.lr_disparity = RatioEstimate{
            keep(group_sample([&](const Totals& t, const Totals& rt) { return degradation(t, s) / degradation(rt, s); }),
                 g.replicates.lr_disparity),
            deg_ref_zero};
        g.delta_bpb_gap = keep(group_sample([&](const Totals& t, const Totals& rt) { return delta_bpb(t, s) - delta_bpb(rt, s); }),
                               g.replicates.delta_bpb_gap);
      }
      out.group_rows.push_back(std::move(g));
    }
  }
  return out;
}

}  // namespace lq
