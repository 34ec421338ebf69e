#include "experiments/search_objective.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "core/error.h"

namespace lq::experiments {

Target parse_target(const std::string& text) {
  const auto at = text.find("<=");
  if (at == std::string::npos) fail("--target " + text, "expected OBJECTIVE<=VALUE, e.g. lr_disparity<=1.5");
  std::string name = text.substr(0, at);
  name.erase(std::remove(name.begin(), name.end(), ' '), name.end());
  Target t;
  if (name == "lr_disparity") t.kind = ObjectiveKind::LrDisparity;
  else if (name == "delta_bpb_gap") t.kind = ObjectiveKind::DeltaBpbGap;
  else if (name == "max_kl") t.kind = ObjectiveKind::MaxKl;
  else if (name == "max_delta_bpb_gap") t.kind = ObjectiveKind::MaxDeltaBpbGap;
  else
    fail("--target " + text,
         "unknown objective '" + name + "' (lr_disparity, delta_bpb_gap, max_kl, max_delta_bpb_gap)");
  const std::string v = text.substr(at + 2);
  size_t used = 0;
  try {
    t.bound = std::stod(v, &used);
  } catch (...) {
    used = 0;
  }
  if (used == 0 || v.find_first_not_of(' ', used) != std::string::npos || !std::isfinite(t.bound))
    fail("--target " + text, "'" + v + "' is not a number");
  return t;
}

std::string objective_name(ObjectiveKind k) {
  switch (k) {
    case ObjectiveKind::LrDisparity: return "lr_disparity";
    case ObjectiveKind::DeltaBpbGap: return "delta_bpb_gap";
    case ObjectiveKind::MaxKl: return "max_kl";
    case ObjectiveKind::MaxDeltaBpbGap: return "max_delta_bpb_gap";
  }
  return "?";
}

bool uses_group(ObjectiveKind k) { return k == ObjectiveKind::LrDisparity || k == ObjectiveKind::DeltaBpbGap; }

std::string target_text(const Target& t) {
  char b[64];
  std::snprintf(b, sizeof b, "%s<=%g", objective_name(t.kind).c_str(), t.bound);
  return b;
}

std::vector<uint32_t> resample_counts(uint64_t seed, int r, size_t n) {
  std::vector<uint32_t> c(n, r < 0 ? 1u : 0u);
  if (r < 0 || n == 0) return c;
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(r),
                    static_cast<uint32_t>(n), 0x5ea4c4u};
  std::mt19937_64 rng(seq);
  std::uniform_int_distribution<size_t> pick(0, n - 1);
  for (size_t i = 0; i < n; ++i) ++c[pick(rng)];
  return c;
}

namespace {

struct Sums {
  double tokens = 0, bytes = 0, dnll = 0, kl = 0;
};

Sums sums(const LanguageUnits& l, const std::vector<uint32_t>& c) {
  Sums s;
  for (size_t i = 0; i < c.size(); ++i) {
    if (!c[i]) continue;
    s.tokens += c[i] * l.tokens[i];
    s.bytes += c[i] * l.bytes[i];
    s.dnll += c[i] * (l.nll_q[i] - l.nll_fp[i]);
    s.kl += c[i] * l.kl[i];
  }
  return s;
}

double degradation(const Sums& s) { return std::exp(s.dnll / s.tokens) - 1; }
double delta_bpb(const Sums& s) { return s.dnll / (s.bytes * std::log(2.0)); }

double objective(const std::vector<Sums>& s, const ObjectiveSpec& spec) {
  const Sums& ref = s[static_cast<size_t>(spec.reference)];
  double acc = 0;
  switch (spec.kind) {
    case ObjectiveKind::LrDisparity:
      for (int l : spec.group) acc += degradation(s[static_cast<size_t>(l)]) / degradation(ref);
      return acc / static_cast<double>(spec.group.size());
    case ObjectiveKind::DeltaBpbGap:
      for (int l : spec.group) acc += delta_bpb(s[static_cast<size_t>(l)]) - delta_bpb(ref);
      return acc / static_cast<double>(spec.group.size());
    case ObjectiveKind::MaxKl:
      acc = -INFINITY;
      for (const auto& x : s) acc = std::max(acc, x.kl / x.tokens);
      return acc;
    case ObjectiveKind::MaxDeltaBpbGap:
      // Within a replicate the maximum is taken afresh, so the interval covers a change of the
      // worst language between resamples.
      acc = -INFINITY;
      for (size_t l = 0; l < s.size(); ++l)
        if (static_cast<int>(l) != spec.reference) acc = std::max(acc, delta_bpb(s[l]) - delta_bpb(ref));
      return acc;
  }
  return NAN;
}

}  // namespace

ObjectiveSample objective_sample(const std::vector<LanguageUnits>& langs, const ObjectiveSpec& spec) {
  if (uses_group(spec.kind) && spec.group.empty())
    fail("search objective", "the language group is empty (no low-resource language in the corpus?)");
  if (spec.kind == ObjectiveKind::MaxDeltaBpbGap && langs.size() < 2)
    fail("search objective", "max_delta_bpb_gap needs a language besides the reference");
  ObjectiveSample out;
  std::vector<Sums> s(langs.size());
  std::vector<double> ref_deg;
  double ref_point = 0;
  for (int r = -1; r < spec.replicates; ++r) {
    for (size_t l = 0; l < langs.size(); ++l) s[l] = sums(langs[l], resample_counts(spec.seed, r, langs[l].tokens.size()));
    const double v = objective(s, spec);
    const double d = degradation(s[static_cast<size_t>(spec.reference)]);
    if (r < 0) out.point = v, ref_point = d;
    else out.reps.push_back(v), ref_deg.push_back(d);
  }
  if (spec.kind == ObjectiveKind::LrDisparity) {
    if (ref_deg.empty()) {
      out.unstable = !(std::isfinite(ref_point) && ref_point != 0);
    } else {
      std::sort(ref_deg.begin(), ref_deg.end());
      const auto at = [&](double q) { return ref_deg[static_cast<size_t>(q * static_cast<double>(ref_deg.size() - 1))]; };
      out.unstable = !(at(0.025) > 0 || at(0.975) < 0);
    }
  }
  return out;
}

int worst_language(const std::vector<LanguageUnits>& langs, const ObjectiveSpec& spec) {
  if (uses_group(spec.kind)) return -1;
  std::vector<Sums> s;
  for (const auto& l : langs) s.push_back(sums(l, resample_counts(spec.seed, -1, l.tokens.size())));
  int worst = -1;
  double w = -INFINITY;
  for (size_t l = 0; l < s.size(); ++l) {
    const bool kl = spec.kind == ObjectiveKind::MaxKl;
    if (!kl && static_cast<int>(l) == spec.reference) continue;
    const double v = kl ? s[l].kl / s[l].tokens : delta_bpb(s[l]);
    if (v > w) w = v, worst = static_cast<int>(l);
  }
  return worst;
}

}  // namespace lq::experiments
