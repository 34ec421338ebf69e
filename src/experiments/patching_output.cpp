#include "experiments/patching_output.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "eval/estimate_json.h"

namespace lq {
namespace {

const char* direction_name(PatchDirection d) { return d == PatchDirection::Restore ? "restore" : "inject"; }

std::string pct(double v) {
  if (!std::isfinite(v)) return "n/a";
  char b[32];
  std::snprintf(b, sizeof b, "%.0f", 100 * v);
  return b;
}

std::string pct_interval(const Estimate& e) { return pct(e.value) + "% [" + pct(e.lo) + ", " + pct(e.hi) + "]"; }

std::string num(double v, const char* fmt = "%.4f") {
  if (!std::isfinite(v)) return "n/a";
  char b[32];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

std::string csv_num(double v) {
  if (!std::isfinite(v)) return "";
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

}  // namespace

int best_run(const PatchReport& r, const PatchLanguage& l, PatchDirection direction) {
  int best = -1;
  for (size_t i = 0; i < r.runs.size(); ++i) {
    // Patches that contain logits restore or carry everything by definition: never an answer.
    if (r.runs[i].direction != direction || patch_has_logits(r.runs[i].patch) || r.runs[i].patch.components.empty())
      continue;
    const PatchShare& s = l.runs[i];
    if (s.unstable || !std::isfinite(s.share.value)) continue;
    if (best < 0 || s.share.value > l.runs[static_cast<size_t>(best)].share.value) best = static_cast<int>(i);
  }
  return best;
}

nlohmann::json patch_json(const PatchReport& r) {
  using json = nlohmann::json;
  json j;
  j["schema_version"] = kPatchSchemaVersion;
  j["kind"] = "langquant.patch";
  j["model"] = r.model;
  j["corpus"] = r.corpus;
  j["plan"] = {{"name", r.plan}, {"line", r.plan_line}};
  j["n_layer"] = r.n_layer;
  j["sentences_per_language"] = r.sentences_per_language;
  j["bootstrap"] = {{"replicates", r.bootstrap.replicates}, {"seed", r.bootstrap.seed},
                    {"confidence", r.bootstrap.confidence}, {"unit", "sentence, paired across runs"}};
  j["definitions"] = {
      {"restore", "the plan's run with the patch's activations replaced by the full-precision run's"},
      {"inject", "the full-precision run with the patch's activations replaced by the plan's run's"},
      {"delta_nll", "NLL(plan) - NLL(FP), nats per scored token"},
      {"share.restore", "(NLL(plan) - NLL(restore)) / delta_nll: share of the loss the patch recovers"},
      {"share.inject", "(NLL(inject) - NLL(FP)) / delta_nll: share of the loss the patch alone carries"},
      {"unstable", "delta_nll's interval contains 0: the shares are ratios of noise (null)"},
      {"resid.K", "residual stream entering block K (resid.0: embeddings; resid.n_layer: before the final norm)"},
      {"attn.K", "block K's attention output as added to the residual stream"},
      {"mlp.K", "block K's feed-forward output as added"},
      {"block.K", "attn.K + mlp.K: what block K writes to the residual stream"},
      {"heads.K:H,..", "the listed heads' outputs before block K's attention output projection"},
      {"neurons.K:I,..", "the listed feed-forward hidden units of block K (input of ffn_down)"},
      {"logits", "the output itself"}};
  for (const auto& run : r.runs) {
    json comps = json::array();
    for (const auto& c : run.patch.components) comps.push_back(c.name());
    j["runs"].push_back({{"patch", run.patch.name}, {"direction", direction_name(run.direction)}, {"components", comps}});
  }
  for (const auto& l : r.languages) {
    json e = {{"lang", l.lang}, {"units", l.units}, {"tokens", l.tokens}};
    put_estimate(e, "nll_fp", l.nll_fp);
    put_estimate(e, "nll_plan", l.nll_plan);
    put_estimate(e, "delta_nll", l.delta);
    for (size_t i = 0; i < r.runs.size(); ++i) {
      const PatchShare& s = l.runs[i];
      json x = {{"patch", r.runs[i].patch.name}, {"direction", direction_name(r.runs[i].direction)},
                {"unstable", s.unstable}};
      put_estimate(x, "nll", s.nll);
      put_estimate(x, "share", s.unstable ? Estimate{NAN, NAN, NAN} : s.share);
      e["runs"].push_back(std::move(x));
    }
    for (PatchDirection d : {PatchDirection::Restore, PatchDirection::Inject}) {
      const int b = best_run(r, l, d);
      e[std::string("best_") + direction_name(d)] = b < 0 ? json() : json(r.runs[static_cast<size_t>(b)].patch.name);
    }
    j["languages"].push_back(std::move(e));
  }
  return j;
}

std::string patch_markdown(const PatchReport& r) {
  std::ostringstream o;
  o << "# Causal patching: " << r.plan << " on " << r.model << "\n\n";
  o << "Corpus " << r.corpus << ", " << (r.sentences_per_language ? "at most " + std::to_string(r.sentences_per_language) : "all")
    << " sentences per language (counts in the NLL table); " << r.bootstrap.replicates << " paired bootstrap replicates over sentences, "
    << pct(r.bootstrap.confidence) << "% intervals.\n\n## Answer\n\n";
  for (const auto& l : r.languages) {
    o << "- **" << l.lang << "** (plan's loss " << num(l.delta.value) << " nats/token [" << num(l.delta.lo) << ", "
      << num(l.delta.hi) << "]): ";
    if (l.runs.empty() || l.runs[0].unstable) {
      o << "the plan's loss is not distinguishable from 0, so no share means anything.\n";
      continue;
    }
    const int br = best_run(r, l, PatchDirection::Restore), bi = best_run(r, l, PatchDirection::Inject);
    if (br >= 0)
      o << "restoring " << r.runs[static_cast<size_t>(br)].patch.name << " recovers "
        << pct_interval(l.runs[static_cast<size_t>(br)].share) << " of the loss";
    if (br >= 0 && bi >= 0) o << "; ";
    if (bi >= 0)
      o << "injecting the plan at " << r.runs[static_cast<size_t>(bi)].patch.name << " alone carries "
        << pct_interval(l.runs[static_cast<size_t>(bi)].share);
    o << ".\n";
  }
  o << "\nrestore: the plan's run with the patch's activations taken from full precision (share of the loss "
       "recovered). inject: the full-precision run with the patch's activations taken from the plan (share of "
       "the loss it carries alone). resid.K = residual stream entering block K; block.K = attn.K + mlp.K, what "
       "block K writes. Shares can leave [0, 1]: a patch can overshoot or make things worse.\n";
  for (PatchDirection d : {PatchDirection::Restore, PatchDirection::Inject}) {
    bool any = false;
    for (const auto& run : r.runs) any |= run.direction == d;
    if (!any) continue;
    o << "\n## " << (d == PatchDirection::Restore ? "Recovered share (restore)" : "Injected share (inject)")
      << ", % [95% interval]\n\n| patch |";
    for (const auto& l : r.languages) o << " " << l.lang << " |";
    o << "\n|---|";
    for (size_t i = 0; i < r.languages.size(); ++i) o << "---:|";
    o << "\n";
    for (size_t i = 0; i < r.runs.size(); ++i) {
      if (r.runs[i].direction != d) continue;
      o << "| " << r.runs[i].patch.name << " |";
      for (const auto& l : r.languages)
        o << " " << (l.runs[i].unstable ? std::string("unstable") : pct_interval(l.runs[i].share)) << " |";
      o << "\n";
    }
  }
  o << "\n## NLL, nats per token\n\n| language | sentences | tokens | FP | plan | delta |\n|---|---:|---:|---:|---:|---:|\n";
  for (const auto& l : r.languages)
    o << "| " << l.lang << " | " << l.units << " | " << l.tokens << " | " << num(l.nll_fp.value) << " | "
      << num(l.nll_plan.value) << " | " << num(l.delta.value) << " [" << num(l.delta.lo) << ", " << num(l.delta.hi)
      << "] |\n";
  return o.str();
}

std::string patch_csv(const PatchReport& r) {
  std::ostringstream o;
  o << "lang,patch,direction,nll,nll_lo,nll_hi,share,share_lo,share_hi,unstable,delta_nll,delta_nll_lo,delta_nll_hi\n";
  for (const auto& l : r.languages)
    for (size_t i = 0; i < r.runs.size(); ++i) {
      const PatchShare& s = l.runs[i];
      const bool u = s.unstable;
      // Patch names hold ',' (heads.0:1,2): quoted.
      o << l.lang << ",\"" << r.runs[i].patch.name << "\"," << direction_name(r.runs[i].direction) << ","
        << csv_num(s.nll.value) << "," << csv_num(s.nll.lo) << "," << csv_num(s.nll.hi) << ","
        << (u ? "" : csv_num(s.share.value)) << "," << (u ? "" : csv_num(s.share.lo)) << ","
        << (u ? "" : csv_num(s.share.hi)) << "," << (u ? "true" : "false") << "," << csv_num(l.delta.value) << ","
        << csv_num(l.delta.lo) << "," << csv_num(l.delta.hi) << "\n";
    }
  return o.str();
}

}  // namespace lq
