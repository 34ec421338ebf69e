// Runs a sweep into its store: the units are cut into pieces (consecutive units of one
// language); per piece, every plan not yet stored for it is scored with full precision in the
// same engine pass (at most sets_per_pass weight sets at once, FP included), and the pass's
// results are committed in one transaction as soon as it finishes. A killed run resumes from
// the store, recomputing nothing finished; a piece is always scored as the same batch of
// units, so resumed and uninterrupted runs give the same bits (same thread count).
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "eval/engine.h"
#include "experiments/plan_scoring.h"
#include "experiments/sweep_store.h"

namespace lq::experiments {

struct RunOptions {
  EngineOptions engine;
  int sets_per_pass = 8;  // weight sets in one pass, FP included (memory: hidden rows per set)
  bool quiet = false;
  // The (set, piece) cells this run scores and stores (a shard's share, experiments/
  // sweep_shard.h); null: all of them. FP is still computed for a piece whose plans are owned
  // (KL needs its logits), but stored only when its own cell is.
  std::function<bool(int set, int piece)> owns;
};

// Consecutive units of one language, at most batch_units each.
std::vector<Piece> make_pieces(const UnitSet& units, int batch_units);

// Scores every (set, piece) the store lacks. plans[i] is set i + 1; set 0 is full precision.
// Returns the number of passes run (0: the store was complete).
int run_sweep(const Model& model, const UnitSet& units, const std::vector<PreparedPlan>& plans,
              const std::vector<Piece>& pieces, SweepStore& store, const RunOptions& opt);

}  // namespace lq::experiments
