#include "eval/engine.h"

#include <algorithm>
#include <cmath>

#include "core/progress.h"
#include "kernels/ops.h"
#include "model/batch.h"
#include "model/blocks.h"
#include "model/workspace.h"

namespace lq {
namespace {

struct ScoredRow {
  int unit;
  int64_t position;  // predicted position inside the unit
  int64_t batch_row; // batch row whose output predicts it (position - 1)
};

// Log-probabilities of one logits row, in place: row[v] -> row[v] - logsumexp(row).
void log_softmax_inplace(float* row, int64_t V) {
  const auto lse = static_cast<float>(log_sum_exp(row, V));
  for (int64_t v = 0; v < V; ++v) row[v] -= lse;
}

int64_t argmax(const float* row, int64_t V) {
  return std::max_element(row, row + V) - row;
}

}  // namespace

void score_units(const Model& model, const std::vector<const WeightSet*>& sets, const UnitSet& units,
                 const EngineOptions& opt, const std::function<void(const TokenResult&)>& on_token,
                 Progress* progress) {
  const HParams& hp = model.hparams();
  const int64_t D = hp.n_embd;
  const size_t S = sets.size();
  std::vector<Workspace> ws(S);
  Workspace head_ws;
  const int64_t V = model.get("output.weight").out_dim();
  Batch batch;
  std::vector<ScoredRow> scored;
  size_t next = 0;
  while (next < units.units.size()) {
    batch.clear();
    scored.clear();
    while (next < units.units.size()) {
      const Unit& u = units.units[next];
      if (batch.rows() > 0 && batch.rows() + static_cast<int64_t>(u.ids.size()) > opt.batch_tokens) break;
      const int64_t base = batch.rows();
      batch.add_sequence(u.ids);
      for (int64_t p = u.first_scored; p < static_cast<int64_t>(u.ids.size()); ++p)
        scored.push_back({static_cast<int>(next), p, base + p - 1});
      ++next;
    }
    for (size_t s = 0; s < S; ++s) model.arch().forward(model, *sets[s], batch, ws[s]);

    const int64_t C = opt.logit_chunk_rows;
    for (size_t c0 = 0; c0 < scored.size(); c0 += static_cast<size_t>(C)) {
      const int64_t n = std::min<int64_t>(C, static_cast<int64_t>(scored.size() - c0));
      std::vector<float*> logp(S);
      for (size_t s = 0; s < S; ++s) {
        float* rows = ws[s].buffer("head_in", static_cast<size_t>(n * D));
        const float* hidden = ws[s].hidden();
        for (int64_t i = 0; i < n; ++i)
          std::copy_n(hidden + scored[c0 + i].batch_row * D, D, rows + i * D);
        logp[s] = ws[s].buffer("logits", static_cast<size_t>(n * V));
        output_logits(*sets[s], rows, n, logp[s], head_ws);
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < n; ++i) log_softmax_inplace(logp[s] + i * V, V);
      }
      std::vector<TokenResult> results(static_cast<size_t>(n) * S);
#pragma omp parallel for schedule(static)
      for (int64_t i = 0; i < n; ++i) {
        const ScoredRow& r = scored[c0 + i];
        const int32_t target = units.units[r.unit].ids[r.position];
        const float* ref = logp[0] + i * V;
        const int64_t ref_top = S > 1 ? argmax(ref, V) : 0;
        for (size_t s = 0; s < S; ++s) {
          const float* lp = logp[s] + i * V;
          TokenResult& t = results[i * S + s];
          t = {r.unit, r.position, target, static_cast<int>(s), lp[target], 0.0, true};
          if (s > 0) {
            t.kl = kl_divergence_logp(ref, lp, V);
            t.top1_agrees = argmax(lp, V) == ref_top;
          }
        }
      }
      for (const auto& t : results) on_token(t);
    }
    if (progress) progress->advance(static_cast<int64_t>(batch.rows()));
  }
}

}  // namespace lq
