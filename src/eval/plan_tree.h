// Weight sets that read the same tensors for their first forward stages (the embeddings, then
// blocks 0..k-1) compute those stages once. The sets form a tree keyed by per-stage weight
// identity (WeightSet::tensor_identity: shared overrides, so no values are compared): a node
// runs one stage for every set below it, hands a copy of its residual stream to each child but
// the last (which continues in place), and each leaf's final hidden rows are exactly those of
// that set's own forward, because stages carry no state but the residual stream.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "model/weight_set.h"

namespace lq {

struct Batch;
class Workspace;

class PlanTree {
 public:
  // Every set must be of `model`.
  PlanTree(const Model& model, const std::vector<const WeightSet*>& sets);

  // Runs every set's forward on the batch, depth first, and calls done(set, hidden) once per set
  // with its final hidden rows [batch rows, n_embd] (valid during the call only). At most one
  // residual copy [batch rows, n_embd] exists per open node. No Workspace hooks may be set that
  // differ between sets (they would be called once for several sets).
  void run(const Batch& b, Workspace& ws, const std::function<void(size_t set, const float* hidden)>& done);

  // Block evaluations one run() does (distinct tree nodes over blocks 0..n_layer-1); evaluating
  // every set alone takes sets x n_layer.
  int64_t blocks_per_batch() const { return blocks_per_batch_; }
  // Block evaluations run() has actually done so far (counted as they run).
  int64_t blocks_run() const { return blocks_run_; }

 private:
  void descend(const Batch& b, Workspace& ws, int stage, std::vector<size_t> group, size_t depth,
               const std::function<void(size_t, const float*)>& done);

  const Model* model_;
  std::vector<const WeightSet*> sets_;
  std::vector<std::vector<int>> node_;  // node_[stage][set]: equal ids share that stage's run
  std::vector<std::vector<float>> residual_;  // one per tree depth, reused from batch to batch
  int64_t blocks_per_batch_ = 0;
  int64_t blocks_run_ = 0;
};

}  // namespace lq
