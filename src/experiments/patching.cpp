#include "experiments/patching.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "core/error.h"
#include "model/batch.h"
#include "model/model.h"

namespace lq {
namespace {

using Kind = PatchComponent::Kind;

const std::pair<const char*, Kind> kKindNames[] = {{"resid", Kind::Residual}, {"attn", Kind::Attn},
                                                   {"mlp", Kind::Mlp},        {"block", Kind::Block},
                                                   {"heads", Kind::Heads},    {"neurons", Kind::Neurons}};

int64_t parse_index(const std::string& spec, const std::string& text, int64_t limit, const char* what) {
  size_t used = 0;
  long long v = -1;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || v < 0 || v >= limit)
    fail(spec, std::string(what) + " '" + text + "' is not in 0.." + std::to_string(limit - 1));
  return v;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t p; (p = s.find(sep, start)) != std::string::npos; start = p + 1) out.push_back(s.substr(start, p - start));
  out.push_back(s.substr(start));
  return out;
}

PatchComponent parse_component(const std::string& spec, const std::string& text, const HParams& hp) {
  PatchComponent c;
  if (text == "logits") {
    c.kind = Kind::Logits;
    return c;
  }
  const size_t dot = text.find('.');
  const std::string kind = text.substr(0, dot);
  bool known = false;
  for (const auto& [name, k] : kKindNames)
    if (kind == name) c.kind = k, known = true;
  if (!known || dot == std::string::npos)
    fail(spec, "unknown component '" + text + "' (resid.K, attn.K, mlp.K, block.K, heads.K:H,.., neurons.K:I,.., logits)");
  std::string rest = text.substr(dot + 1), list;
  if (const size_t colon = rest.find(':'); colon != std::string::npos) {
    list = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
  }
  const int64_t n_layers = hp.n_layer + (c.kind == Kind::Residual ? 1 : 0);
  c.layer = static_cast<int>(parse_index(spec, rest, n_layers, "layer"));
  const bool listed = c.kind == Kind::Heads || c.kind == Kind::Neurons;
  if (listed != !list.empty())
    fail(spec, listed ? "'" + text + "' needs its list after ':' (e.g. heads.0:1,3)" : "'" + text + "' takes no list");
  if (listed) {
    const int64_t limit = c.kind == Kind::Heads ? hp.n_head : hp.n_ff;
    for (const auto& item : split(list, ','))
      c.units.push_back(parse_index(spec, item, limit, c.kind == Kind::Heads ? "head" : "neuron"));
    std::sort(c.units.begin(), c.units.end());
    c.units.erase(std::unique(c.units.begin(), c.units.end()), c.units.end());
  }
  return c;
}

}  // namespace

std::string PatchComponent::name() const {
  if (kind == Kind::Logits) return "logits";
  std::string s;
  for (const auto& [n, k] : kKindNames)
    if (k == kind) s = n;
  s += "." + std::to_string(layer);
  for (size_t i = 0; i < units.size(); ++i) s += (i ? "," : ":") + std::to_string(units[i]);
  return s;
}

Patch parse_patch(const std::string& spec, const HParams& hp) {
  Patch p;
  p.name = spec;
  if (spec == "none") return p;
  if (spec == "all") {
    for (int l = 0; l <= hp.n_layer; ++l) p.components.push_back({Kind::Residual, l, {}});
    for (int l = 0; l < hp.n_layer; ++l) p.components.push_back({Kind::Block, l, {}});
    p.components.push_back({Kind::Logits, 0, {}});
    return p;
  }
  if (spec.empty()) fail("patch", "empty patch (use none, all, or components joined by '+')");
  for (const auto& part : split(spec, '+')) p.components.push_back(parse_component(spec, part, hp));
  return p;
}

std::vector<Patch> default_patches(const HParams& hp, const std::vector<int>& layers,
                                   const std::vector<std::string>& kinds) {
  std::vector<std::string> use = kinds.empty() ? std::vector<std::string>{"resid", "attn", "mlp", "block"} : kinds;
  for (const auto& k : use)
    if (k != "resid" && k != "attn" && k != "mlp" && k != "block")
      fail("--kinds", "unknown kind '" + k + "' (resid, attn, mlp, block)");
  std::vector<int> ls = layers;
  if (ls.empty())
    for (int l = 0; l < hp.n_layer; ++l) ls.push_back(l);
  std::vector<Patch> out;
  for (int l : ls) {
    if (l < 0 || l >= hp.n_layer) fail("--layers", "layer " + std::to_string(l) + " is not in 0.." + std::to_string(hp.n_layer - 1));
    for (const auto& k : use) out.push_back(parse_patch(k + "." + std::to_string(l), hp));
  }
  if (std::find(use.begin(), use.end(), "resid") != use.end())
    out.push_back(parse_patch("resid." + std::to_string(hp.n_layer), hp));
  return out;
}

std::vector<SiteSlice> patch_slices(const Patch& p, const HParams& hp) {
  std::vector<SiteSlice> out;
  const int64_t hd = hp.head_dim();
  for (const PatchComponent& c : p.components) {
    switch (c.kind) {
      case Kind::Residual: out.push_back({Site::Residual, c.layer, {}}); break;
      case Kind::Attn: out.push_back({Site::AttnOut, c.layer, {}}); break;
      case Kind::Mlp: out.push_back({Site::MlpOut, c.layer, {}}); break;
      case Kind::Block:
        out.push_back({Site::AttnOut, c.layer, {}});
        out.push_back({Site::MlpOut, c.layer, {}});
        break;
      case Kind::Heads: {
        SiteSlice s{Site::AttnHeads, c.layer, {}};
        for (int64_t h : c.units) s.columns.push_back({h * hd, (h + 1) * hd});
        out.push_back(s);
        break;
      }
      case Kind::Neurons: {
        SiteSlice s{Site::MlpHidden, c.layer, {}};
        for (int64_t i : c.units) s.columns.push_back({i, i + 1});
        out.push_back(s);
        break;
      }
      case Kind::Logits: break;
    }
  }
  return out;
}

bool patch_has_logits(const Patch& p) {
  return std::any_of(p.components.begin(), p.components.end(),
                     [](const PatchComponent& c) { return c.kind == Kind::Logits; });
}

namespace {

using SiteKey = std::pair<int, int>;  // (Site, layer)

struct Recorded {
  std::vector<float> values;
  int64_t rows = 0, dim = 0;
};

// What one patched run copies, by site: the column ranges (empty: whole rows).
using CopyPlan = std::map<SiteKey, std::vector<std::pair<int64_t, int64_t>>>;

CopyPlan copy_plan(const std::vector<SiteSlice>& slices) {
  CopyPlan plan;
  for (const SiteSlice& s : slices) {
    auto [it, fresh] = plan.try_emplace({static_cast<int>(s.site), s.layer}, s.columns);
    if (fresh) continue;
    // A site listed twice: whole rows win, else the ranges add up.
    if (it->second.empty() || s.columns.empty())
      it->second.clear();
    else
      it->second.insert(it->second.end(), s.columns.begin(), s.columns.end());
  }
  return plan;
}

}  // namespace

PatchScores score_patches(const Model& model, const WeightSet& fp, const WeightSet& plan, const UnitSet& units,
                          const std::vector<PatchRun>& runs, EngineOptions eo, Progress* progress) {
  const HParams& hp = model.hparams();
  std::vector<const WeightSet*> sets = {&fp, &plan};
  std::vector<int> set_of_run(runs.size(), -1);  // -1: a logits patch, copied from its source
  std::vector<CopyPlan> copies(2);               // per set; sets 0 and 1 copy nothing
  std::vector<PatchDirection> set_direction(2, PatchDirection::Restore);
  std::map<SiteKey, bool> need_fp, need_plan;    // sites each reference run must record
  for (size_t r = 0; r < runs.size(); ++r) {
    if (patch_has_logits(runs[r].patch)) continue;
    const bool restore = runs[r].direction == PatchDirection::Restore;
    set_of_run[r] = static_cast<int>(sets.size());
    sets.push_back(restore ? &plan : &fp);
    copies.push_back(copy_plan(patch_slices(runs[r].patch, hp)));
    set_direction.push_back(runs[r].direction);
    for (const auto& [key, cols] : copies.back()) (restore ? need_fp : need_plan)[key] = true;
  }

  std::map<SiteKey, Recorded> from_fp, from_plan;
  auto recorder = [](std::map<SiteKey, bool>& need, std::map<SiteKey, Recorded>& store) {
    return [&need, &store](Site site, int layer, float* x, int64_t rows, int64_t dim) {
      const SiteKey key{static_cast<int>(site), layer};
      if (!need.count(key)) return;
      Recorded& rec = store[key];
      rec.values.assign(x, x + rows * dim);
      rec.rows = rows;
      rec.dim = dim;
    };
  };
  eo.before_forward = [&](size_t s, const Batch&, Workspace& ws) {
    if (s == 0) {
      ws.set_intervention(recorder(need_fp, from_fp));
      return;
    }
    if (s == 1) {
      ws.set_intervention(recorder(need_plan, from_plan));
      return;
    }
    const CopyPlan& cp = copies[s];
    const auto& source = set_direction[s] == PatchDirection::Restore ? from_fp : from_plan;
    ws.set_intervention([&cp, &source, &model](Site site, int layer, float* x, int64_t rows, int64_t dim) {
      const auto it = cp.find({static_cast<int>(site), layer});
      if (it == cp.end()) return;
      const Recorded& rec = source.at(it->first);
      // The same batch and the same forward: a mismatch is a bug, never bad input.
      if (rec.rows != rows || rec.dim != dim)
        fail(model.dir(), std::string("patching: ") + site_name(site) + " of block " + std::to_string(layer) +
                              " changed shape between runs");
      if (it->second.empty()) {
        std::copy_n(rec.values.data(), rows * dim, x);
        return;
      }
      for (int64_t r = 0; r < rows; ++r)
        for (const auto& [c0, c1] : it->second)
          std::copy(rec.values.data() + r * dim + c0, rec.values.data() + r * dim + c1, x + r * dim + c0);
    });
  };

  PatchScores out;
  const size_t U = units.units.size();
  out.tokens.assign(U, 0);
  out.fp.assign(U, 0);
  out.plan.assign(U, 0);
  out.runs.assign(runs.size(), std::vector<double>(U, 0));
  std::vector<std::vector<double>> by_set(sets.size(), std::vector<double>(U, 0));
  // Sums in the engine's token order (fixed by the batching), as score_sets sums them.
  score_units(model, sets, units, eo, [&](const TokenResult& t) {
    if (t.set == 0) out.tokens[static_cast<size_t>(t.unit)] += 1;
    by_set[static_cast<size_t>(t.set)][static_cast<size_t>(t.unit)] -= t.logprob;
  }, progress);
  out.fp = by_set[0];
  out.plan = by_set[1];
  for (size_t r = 0; r < runs.size(); ++r) {
    if (set_of_run[r] >= 0)
      out.runs[r] = by_set[static_cast<size_t>(set_of_run[r])];
    else  // logits patched: the output is the source run's
      out.runs[r] = runs[r].direction == PatchDirection::Restore ? out.fp : out.plan;
  }
  return out;
}

double patch_share(PatchDirection d, const std::vector<double>& fp, const std::vector<double>& plan,
                   const std::vector<double>& run, const std::vector<size_t>& idx, const ResampleCounts& counts) {
  double s_fp = 0, s_plan = 0, s_run = 0;
  for (size_t i = 0; i < idx.size(); ++i) {
    const double c = counts[i];
    s_fp += c * fp[idx[i]];
    s_plan += c * plan[idx[i]];
    s_run += c * run[idx[i]];
  }
  const double delta = s_plan - s_fp;
  if (delta == 0) return NAN;
  return d == PatchDirection::Restore ? (s_plan - s_run) / delta : (s_run - s_fp) / delta;
}

namespace {

// Mean NLL per token of one run over the drawn units.
double nll_per_token(const std::vector<double>& nll, const std::vector<int64_t>& tokens,
                     const std::vector<size_t>& idx, const ResampleCounts& counts) {
  double n = 0, t = 0;
  for (size_t i = 0; i < idx.size(); ++i) {
    n += counts[i] * nll[idx[i]];
    t += counts[i] * static_cast<double>(tokens[idx[i]]);
  }
  return t > 0 ? n / t : NAN;
}

PatchLanguage summarize_language(const std::string& name, const std::vector<size_t>& idx, const PatchScores& s,
                                 const std::vector<PatchRun>& runs, const BootstrapOptions& opt) {
  PatchLanguage L;
  L.lang = name;
  L.units = static_cast<int64_t>(idx.size());
  for (size_t u : idx) L.tokens += s.tokens[u];
  // Every call draws the same resamples (same seed, same unit count): the estimates are paired.
  auto per_token = [&](const std::vector<double>& nll) {
    return bootstrap(idx.size(), opt, [&](const ResampleCounts& c) { return nll_per_token(nll, s.tokens, idx, c); });
  };
  L.nll_fp = per_token(s.fp);
  L.nll_plan = per_token(s.plan);
  L.delta = bootstrap(idx.size(), opt, [&](const ResampleCounts& c) {
    return nll_per_token(s.plan, s.tokens, idx, c) - nll_per_token(s.fp, s.tokens, idx, c);
  });
  // The interval of delta decides whether a share means anything; with no replicates only an
  // exact zero does.
  const bool unstable = L.delta.value == 0 || !(L.delta.lo > 0 || L.delta.hi < 0);
  for (size_t r = 0; r < runs.size(); ++r) {
    PatchShare ps;
    ps.nll = per_token(s.runs[r]);
    ps.share = bootstrap(idx.size(), opt, [&](const ResampleCounts& c) {
      return patch_share(runs[r].direction, s.fp, s.plan, s.runs[r], idx, c);
    });
    ps.unstable = unstable;
    L.runs.push_back(ps);
  }
  return L;
}

}  // namespace

std::vector<PatchLanguage> patch_shares(const PatchScores& s, const UnitSet& units,
                                        const std::vector<std::string>& languages,
                                        const std::vector<PatchRun>& runs, const BootstrapOptions& opt) {
  std::vector<std::vector<size_t>> idx(languages.size());
  std::vector<size_t> all;
  for (size_t u = 0; u < units.units.size(); ++u) {
    idx.at(static_cast<size_t>(units.units[u].lang)).push_back(u);
    all.push_back(u);
  }
  std::vector<PatchLanguage> out;
  for (size_t l = 0; l < languages.size(); ++l) out.push_back(summarize_language(languages[l], idx[l], s, runs, opt));
  if (languages.size() > 1) out.push_back(summarize_language("all", all, s, runs, opt));
  return out;
}

}  // namespace lq
