#include "experiments/resumable_scoring.h"

#include <filesystem>

#include "core/error.h"
#include "core/progress.h"
#include "experiments/run_identity.h"

namespace lq::experiments {

std::string progress_path(const std::string& output) { return output + ".progress.sqlite"; }

std::vector<Piece> engine_batches(const UnitSet& units, int64_t batch_tokens) {
  std::vector<Piece> out;
  const int n = static_cast<int>(units.units.size());
  for (int i = 0; i < n;) {
    int64_t rows = 0;
    int end = i;
    while (end < n) {
      const int64_t r = units.rows_of(units.units[static_cast<size_t>(end)]);
      if (rows > 0 && rows + r > batch_tokens) break;
      rows += r;
      ++end;
    }
    out.push_back({i, end});
    i = end;
  }
  return out;
}

ResumableScoring::ResumableScoring(const std::string& path, bool resume, const std::string& command)
    : path_(path), command_(command), resume_(resume) {
  const bool existed = std::filesystem::exists(path);
  store_ = std::make_unique<SweepStore>(
      path, StoreLabels{command, "wait for it to finish, or write to other outputs", "delete it to start afresh"});
  if (existed && !resume_ && store_->initialized())
    fail(path, "holds the progress of an interrupted " + command + " run: add --resume to continue it, or delete "
               "the file to start again");
}

ResumableScoring::~ResumableScoring() = default;

std::vector<UnitSetScores> ResumableScoring::score(const Model& model, const Corpus& corpus, const UnitSet& units,
                                                   const std::vector<const WeightSet*>& sets,
                                                   const std::vector<PlanInfo>& plans, const EngineOptions& eo,
                                                   Progress* progress) {
  const size_t S = sets.size();
  SweepSetup st;
  st.scoring = {{"command", command_}, {"batch_tokens", eo.batch_tokens}, {"logit_chunk_rows", eo.logit_chunk_rows}};
  st.identity = run_identity(model, corpus, units);
  st.plans = nlohmann::json::array();
  for (size_t s = 1; s < S; ++s) st.plans.push_back({{"name", plans[s].name}, {"plan", plans[s].description}});
  st.sweep = {{"command", command_}};
  for (const auto& l : corpus.languages) st.languages.push_back(l.code);
  for (const auto& u : units.units) st.units.push_back({u.lang, u.bytes, u.chars});
  st.pieces = engine_batches(units, eo.batch_tokens);
  if (store_->initialized()) store_->check_same(st);
  else store_->initialize(st);

  std::vector<int> all(S);
  for (size_t s = 0; s < S; ++s) all[s] = static_cast<int>(s);
  const auto done = store_->done();
  for (size_t p = 0; p < st.pieces.size(); ++p) {
    const Piece& piece = st.pieces[p];
    bool stored = true;
    for (int s : all) stored = stored && done.count({s, static_cast<int>(p)}) > 0;
    UnitSet sub;
    sub.n_ctx = units.n_ctx;
    sub.bos = units.bos;
    sub.mask_id = units.mask_id;
    sub.units.assign(units.units.begin() + piece.first, units.units.begin() + piece.end);
    if (stored) {
      if (progress)
        for (const auto& u : sub.units) progress->advance(sub.rows_of(u));
      continue;
    }
    const auto scores = score_sets(model, sets, sub, eo, progress);
    std::vector<std::vector<UnitResult>> res(S, std::vector<UnitResult>(scores.size()));
    for (size_t s = 0; s < S; ++s)
      for (size_t u = 0; u < scores.size(); ++u)
        res[s][u] = {scores[u].tokens, scores[u].nll[s], scores[u].kl[s], scores[u].top1[s]};
    store_->write_piece(static_cast<int>(p), all, res);
    ++scored_;
  }

  // Everything is read back from the file, resumed or not, so both paths give the same bits.
  std::vector<UnitSetScores> out(units.units.size());
  for (auto& u : out) {
    u.nll.assign(S, 0);
    u.kl.assign(S, 0);
    u.top1.assign(S, 0);
  }
  for (size_t s = 0; s < S; ++s) {
    const auto r = store_->results(static_cast<int>(s));
    for (size_t u = 0; u < r.size(); ++u) {
      if (s == 0) out[u].tokens = r[u].tokens;
      out[u].nll[s] = r[u].nll;
      out[u].kl[s] = r[u].kl;
      out[u].top1[s] = r[u].top1;
    }
  }
  return out;
}

void ResumableScoring::finish() {
  // Unlinked while still locked, so no other run can pick up the file in between.
  std::error_code ec;
  std::filesystem::remove(path_, ec);
  std::filesystem::remove(path_ + "-journal", ec);
  store_.reset();
}

}  // namespace lq::experiments
