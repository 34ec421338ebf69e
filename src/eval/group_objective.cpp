#include "eval/group_objective.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

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

}  // namespace

PlanSamples group_objective_samples(const std::vector<LanguageScores>& langs, const std::string& reference,
                                    const std::vector<std::string>& group, const std::string& objective,
                                    const BootstrapOptions& opt) {
  if (objective != "kl" && objective != "delta_bpb" && objective != "delta_bpb_gap" && objective != "lr_disparity")
    fail("objective " + objective, "unknown (kl, delta_bpb, delta_bpb_gap or lr_disparity)");
  const size_t S = langs.empty() ? 0 : langs[0].nll.size();
  int ref = -1;
  for (size_t l = 0; l < langs.size(); ++l)
    if (langs[l].lang == reference) ref = static_cast<int>(l);
  const bool needs_ref = objective == "delta_bpb_gap" || objective == "lr_disparity";
  if (needs_ref && ref < 0) fail("--ref " + reference, "the corpus has no language '" + reference + "'");
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

}  // namespace lq
