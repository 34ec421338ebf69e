// Causal patching (activation patching) between full precision and a quantization plan.
//
// Every batch runs twice as reference: under full precision (FP) and under the plan. Then
//  - restore(P): the plan's run, with the activations of patch P replaced by the FP run's on the
//    same batch (denoising): how much of the plan's loss goes away when P is exact;
//  - inject(P): the FP run, with the activations of P replaced by the plan's run's (noising):
//    how much of the plan's loss P alone carries into an otherwise exact model.
// A patch is a set of components, each a Workspace Site of one block (model/workspace.h):
//   resid.K     the residual stream entering block K (resid.0: the embeddings; resid.L, L =
//               n_layer: after the last block, before the final norm)
//   attn.K      block K's attention output as added to the residual stream
//   mlp.K       block K's feed-forward output as added
//   block.K     both: everything block K writes to the residual stream (attn.K + mlp.K); unlike
//               resid.K+1, the stream block K read stays as the run computed it
//   heads.K:H,H the listed heads' outputs before block K's attention output projection
//   neurons.K:I,I the listed hidden units of block K's feed-forward (input of ffn_down)
//   logits      the output itself: restoring it restores everything (so that "all" is exact)
// Post-LN blocks (BERT, OPT-350m) normalise after each add; those norms are in no component but
// resid.K+1, so there block.K is what the sub-layers write, not all that block K does.
// Replacing is a copy of the other run's floats, so restoring every activation gives the FP
// run's bits, restoring none the plan's, injecting every one the plan's (tests check this on
// every architecture).
//
// Per language, with a paired bootstrap over units (every run measured on the same resample):
//   delta = NLL(plan) - NLL(FP), nats per token;
//   recovered(P) = (NLL(plan) - NLL(restore P)) / delta;  1 = all of the loss goes away;
//   injected(P)  = (NLL(inject P) - NLL(FP)) / delta;     1 = P alone carries all of it.
// When delta's interval contains 0 the shares are marked unstable (their ratio is noise).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "eval/bootstrap.h"
#include "eval/engine.h"
#include "eval/units.h"
#include "model/weight_set.h"
#include "model/workspace.h"

namespace lq {

class Progress;

struct PatchComponent {
  enum class Kind { Residual, Attn, Mlp, Block, Heads, Neurons, Logits } kind = Kind::Block;
  int layer = 0;
  std::vector<int64_t> units;  // Heads: head indices; Neurons: hidden-unit indices
  std::string name() const;    // as parsed, e.g. "block.3", "heads.1:0,2"
};

// A set of components patched together, named by its spec ("attn.0+mlp.0", "all", ...).
struct Patch {
  std::string name;
  std::vector<PatchComponent> components;
};

// Parses one patch: components joined by '+', each as in the header comment, or "all" (every
// activation of every block plus logits) or "none". Errors name the spec and the model's range.
Patch parse_patch(const std::string& spec, const HParams& hp);
// The default sweep for `layers` (all when empty): resid.K, attn.K, mlp.K, block.K per layer
// of the kinds named in `kinds` (of resid, attn, mlp, block; empty: all four), then resid.L.
std::vector<Patch> default_patches(const HParams& hp, const std::vector<int>& layers,
                                   const std::vector<std::string>& kinds);

// One Site range a component replaces: columns [c0, c1) of each row, for every listed block.
struct SiteSlice {
  Site site;
  int layer;
  std::vector<std::pair<int64_t, int64_t>> columns;  // empty: the whole row
};
std::vector<SiteSlice> patch_slices(const Patch& p, const HParams& hp);
bool patch_has_logits(const Patch& p);

enum class PatchDirection { Restore, Inject };

struct PatchRun {
  Patch patch;
  PatchDirection direction;
};

// Per unit, summed NLL (nats) of: FP, the plan, and every run in order.
struct PatchScores {
  std::vector<int64_t> tokens;             // [unit]
  std::vector<double> fp, plan;            // [unit]
  std::vector<std::vector<double>> runs;   // [run][unit]
};

// Runs FP, the plan and every patched run over the units in one engine pass (patched runs see
// the same batches, so their activations line up row for row with the references').
PatchScores score_patches(const Model& model, const WeightSet& fp, const WeightSet& plan, const UnitSet& units,
                          const std::vector<PatchRun>& runs, EngineOptions eo, Progress* progress = nullptr);

struct PatchShare {
  Estimate nll;       // nats per token of the patched run
  Estimate share;     // recovered (restore) or injected (inject) share of delta
  bool unstable = false;
};

struct PatchLanguage {
  std::string lang;  // "all": every unit pooled
  int64_t units = 0, tokens = 0;
  Estimate nll_fp, nll_plan, delta;
  std::vector<PatchShare> runs;  // as PatchScores::runs
};

// Groups scores by Unit::lang (languages[i] names lang i) and adds "all"; paired bootstrap.
std::vector<PatchLanguage> patch_shares(const PatchScores& s, const UnitSet& units,
                                        const std::vector<std::string>& languages,
                                        const std::vector<PatchRun>& runs, const BootstrapOptions& opt);

// The share statistic on weighted unit sums (counts[u] = how often unit u is drawn): the
// restore or inject share defined in the header comment; NaN when delta is exactly 0.
double patch_share(PatchDirection d, const std::vector<double>& fp, const std::vector<double>& plan,
                   const std::vector<double>& run, const std::vector<size_t>& idx, const ResampleCounts& counts);

}  // namespace lq
