#include "experiments/sweep_runner.h"

#include <algorithm>
#include <memory>

#include "core/error.h"
#include "core/progress.h"

namespace lq::experiments {

std::vector<Piece> make_pieces(const UnitSet& units, int batch_units) {
  if (batch_units < 1) fail("--batch", "must be at least 1");
  std::vector<Piece> out;
  const int n = static_cast<int>(units.units.size());
  for (int i = 0; i < n;) {
    int end = i + 1;
    while (end < n && end - i < batch_units && units.units[end].lang == units.units[i].lang) ++end;
    out.push_back({i, end});
    i = end;
  }
  return out;
}

int run_sweep(const Model& model, const UnitSet& units, const std::vector<PreparedPlan>& plans,
              const std::vector<Piece>& pieces, SweepStore& store, const RunOptions& opt) {
  if (opt.sets_per_pass < 2) fail("--sets-per-pass", "must be at least 2 (full precision and one plan)");
  const auto done = store.done();
  const int S = static_cast<int>(plans.size()) + 1;
  // Per piece, the plans still to score (set ids 1..S-1), and whether FP itself is stored.
  std::vector<std::vector<int>> pending(pieces.size());
  std::vector<bool> plan_needed(plans.size(), false);
  int64_t total_rows = 0;
  const int per_pass = opt.sets_per_pass - 1;
  auto piece_rows = [&](const Piece& p) {
    int64_t r = 0;
    for (int u = p.first; u < p.end; ++u) r += units.rows_of(units.units[static_cast<size_t>(u)]);
    return r;
  };
  const auto owned = [&](int s, size_t p) { return !opt.owns || opt.owns(s, static_cast<int>(p)); };
  // FP counts as stored where this run does not own its cell: it is computed, never written.
  const auto fp_stored_at = [&](size_t p) { return done.count({0, static_cast<int>(p)}) > 0 || !owned(0, p); };
  for (size_t p = 0; p < pieces.size(); ++p) {
    for (int s = 1; s < S; ++s)
      if (owned(s, p) && !done.count({s, static_cast<int>(p)})) {
        pending[p].push_back(s);
        plan_needed[static_cast<size_t>(s - 1)] = true;
      }
    const bool fp_done = fp_stored_at(p);
    if (pending[p].empty() && fp_done) continue;
    const int64_t passes = pending[p].empty() ? 1 : (static_cast<int64_t>(pending[p].size()) + per_pass - 1) / per_pass;
    total_rows += piece_rows(pieces[p]) * (passes + static_cast<int64_t>(pending[p].size()));
  }
  if (total_rows == 0) return 0;

  // Weight sets only for plans with work left; quantized tensors are shared through the cache.
  quant::QuantCache cache;
  const WeightSet fp(model);
  std::vector<std::unique_ptr<WeightSet>> sets(plans.size());
  for (size_t i = 0; i < plans.size(); ++i)
    if (plan_needed[i]) sets[i] = std::make_unique<WeightSet>(quant::build_weight_set(model, plans[i].resolved, cache));

  Progress progress("sweep", total_rows, "rows", opt.quiet);
  int passes = 0;
  for (size_t p = 0; p < pieces.size(); ++p) {
    bool fp_stored = fp_stored_at(p);
    if (pending[p].empty() && fp_stored) continue;
    UnitSet sub;
    sub.n_ctx = units.n_ctx;
    sub.bos = units.bos;
    sub.mask_id = units.mask_id;
    sub.units.assign(units.units.begin() + pieces[p].first, units.units.begin() + pieces[p].end);
    const int64_t rows = piece_rows(pieces[p]);
    size_t next = 0;
    do {
      const size_t n = std::min(pending[p].size() - next, static_cast<size_t>(per_pass));
      std::vector<const WeightSet*> ws = {&fp};
      std::vector<int> ids;
      if (!fp_stored) ids.push_back(0);
      for (size_t k = 0; k < n; ++k) {
        const int s = pending[p][next + k];
        ws.push_back(sets[static_cast<size_t>(s - 1)].get());
        ids.push_back(s);
      }
      const auto scores = score_sets(model, ws, sub, opt.engine, nullptr);
      std::vector<std::vector<UnitResult>> res;
      for (size_t k = 0; k < ws.size(); ++k) {
        if (k == 0 && fp_stored) continue;
        std::vector<UnitResult> r(scores.size());
        for (size_t u = 0; u < scores.size(); ++u) r[u] = {scores[u].tokens, scores[u].nll[k], scores[u].kl[k], scores[u].top1[k]};
        res.push_back(std::move(r));
      }
      store.write_piece(static_cast<int>(p), ids, res);
      fp_stored = true;
      next += n;
      ++passes;
      progress.advance(rows * static_cast<int64_t>(ws.size()));
    } while (next < pending[p].size());
  }
  progress.finish();
  return passes;
}

}  // namespace lq::experiments
