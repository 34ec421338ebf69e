// Scores units under one or more weight sets (set 0 = the reference, usually full precision).
// Units are packed into batches of about batch_tokens rows; per batch every set runs one
// forward, then the output head is applied only to the rows that predict a scored token, in
// chunks, so full-vocabulary logits are never stored beyond one chunk. For sets after the
// first, the KL divergence from set 0 and top-1 agreement with set 0 come from the same chunk.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "eval/units.h"
#include "model/weight_set.h"

namespace lq {

class Progress;
struct Batch;
class Workspace;

struct TokenResult {
  int unit = 0;          // index into UnitSet::units
  int64_t position = 0;  // row of the unit's ids that was predicted
  int32_t target = 0;
  int set = 0;
  double logprob = 0;    // natural log
  double kl = 0;         // KL(p_set0 || p_set), 0 for set 0
  bool top1_agrees = true;
};

struct EngineOptions {
  int64_t batch_tokens = 2048;
  int64_t logit_chunk_rows = 128;
  // Called before set s's forward of every batch (sets run 0, 1, ... in turn on one batch):
  // causal patching installs that set's Workspace intervention here. Empty: nothing.
  std::function<void(size_t set, const Batch& batch, Workspace& ws)> before_forward;
  // Sets whose first stages read the same tensors compute them once (eval/plan_tree.h); the
  // numbers are bit-identical either way. Off, or with before_forward (its hooks differ per
  // set), every set runs its own whole forward.
  bool share_stages = true;
  // When set, receives the forward work done (counted as it runs, added to what it holds).
  struct Work {
    int64_t batches = 0;
    int64_t block_runs = 0;    // block evaluations run
    int64_t block_naive = 0;   // block evaluations of every set run alone: sets x n_layer per batch
  };
  Work* work = nullptr;
};

void score_units(const Model& model, const std::vector<const WeightSet*>& sets, const UnitSet& units,
                 const EngineOptions& opt, const std::function<void(const TokenResult&)>& on_token,
                 Progress* progress = nullptr);

}  // namespace lq
