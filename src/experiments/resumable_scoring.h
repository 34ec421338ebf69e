// `eval`'s scoring (full precision and every plan on the same units) made resumable: the units
// are cut exactly as the engine packs them into batches, and each batch's per-unit sums are
// committed to a progress file (a SweepStore) as soon as the batch is scored. A run killed at
// any moment loses at most the batch in flight; run again with resume, it scores only the
// batches the file lacks. Every batch is scored as the same units in the same order as an
// uninterrupted run, and the sums read back bit for bit (SQLite REALs), so the final outputs
// are byte-identical to a run that was never stopped (same thread count).
//
// The progress file records the model's and the corpus's identity (run_identity.h), the plans
// and the batch size, and is refused, with one line, when any of them differs. It holds the
// SweepStore's lock for the whole run, so a second run on the same outputs stops at once. The
// caller removes it with finish() once its outputs are committed.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "eval/corpus.h"
#include "experiments/plan_scoring.h"
#include "experiments/sweep_store.h"

namespace lq::experiments {

// Where a command keeps the progress of a run whose first output is `output`.
std::string progress_path(const std::string& output);

class ResumableScoring {
 public:
  // Locks (creating) the progress file. Without resume, an existing progress file is refused:
  // it holds an interrupted run the user may want to continue.
  ResumableScoring(const std::string& path, bool resume, const std::string& command);
  ~ResumableScoring();

  // score_sets(model, sets, units, eo, progress), checkpointed. plans[i] describes sets[i]
  // (plans[0]: full precision).
  std::vector<UnitSetScores> score(const Model& model, const Corpus& corpus, const UnitSet& units,
                                   const std::vector<const WeightSet*>& sets, const std::vector<PlanInfo>& plans,
                                   const EngineOptions& eo, Progress* progress);
  // Removes the progress file (after the outputs are committed).
  void finish();
  // Batches scored in this process (0 when everything came from the file).
  int batches_scored() const { return scored_; }

 private:
  std::string path_, command_;
  bool resume_;
  std::unique_ptr<SweepStore> store_;
  int scored_ = 0;
};

// The engine's packing of units into batches (eval/engine.cpp): consecutive units, a batch
// closed before the unit that would take it past batch_tokens rows (a longer unit alone).
std::vector<Piece> engine_batches(const UnitSet& units, int64_t batch_tokens);

}  // namespace lq::experiments
