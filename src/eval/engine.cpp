#include "eval/engine.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/mapped_file.h"
#include "core/progress.h"
#include "eval/plan_tree.h"
#include "core/run_observer.h"
#include "kernels/ops.h"
#include "model/batch.h"
#include "model/blocks.h"
#include "model/workspace.h"

namespace lq {
namespace {

struct ScoredRow {
  int unit;
  int64_t position;  // predicted position inside the unit
  int64_t batch_row; // batch row whose output predicts it (position - 1; masked LM: the masked row)
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
  const int64_t D = model.hparams().n_embd;
  const size_t S = sets.size();
  // One forward workspace serves every set in turn; only each set's final hidden rows are kept,
  // and logits exist for one chunk of rows of two sets at a time (the reference and one plan),
  // so memory does not grow with the number of plans beyond D floats per row per set.
  Workspace forward_ws, head_ws;
  std::vector<std::vector<float>> hidden(S);
  const int64_t V = model.get("output.weight").out_dim();
  Batch batch;
  std::vector<ScoredRow> scored;
  std::vector<int32_t> masked;
  std::vector<TokenResult> results;
  size_t next = 0;
  // Plans share the stages whose weights they share, unless hooks that differ per set are set.
  std::unique_ptr<PlanTree> tree;
  if (opt.share_stages && !opt.before_forward) tree = std::make_unique<PlanTree>(model, sets);
  check_mapped_files_unchanged();
  while (next < units.units.size()) {
    batch.clear();
    scored.clear();
    while (next < units.units.size()) {
      const Unit& u = units.units[next];
      if (batch.rows() > 0 && batch.rows() + units.rows_of(u) > opt.batch_tokens) break;
      const int64_t end = units.scored_end(u);
      if (units.mask_id < 0) {
        // Next-token prediction: row p - 1 predicts ids[p].
        const int64_t base = batch.rows();
        batch.add_sequence(u.ids);
        for (int64_t p = u.first_scored; p < end; ++p) scored.push_back({static_cast<int>(next), p, base + p - 1});
      } else {
        // Pseudo-log-likelihood: one copy of the unit per scored row p, with ids[p] masked;
        // row p of that copy predicts ids[p].
        for (int64_t p = u.first_scored; p < end; ++p) {
          masked = u.ids;
          masked[static_cast<size_t>(p)] = units.mask_id;
          const int64_t base = batch.rows();
          batch.add_sequence(masked);
          scored.push_back({static_cast<int>(next), p, base + p});
        }
      }
      ++next;
    }
    const int64_t L = model.hparams().n_layer;
    if (tree) {
      const int64_t before = tree->blocks_run();
      tree->run(batch, forward_ws, [&](size_t s, const float* h) { hidden[s].assign(h, h + batch.rows() * D); });
      if (opt.work) opt.work->block_runs += tree->blocks_run() - before;
    } else {
      for (size_t s = 0; s < S; ++s) {
        if (opt.before_forward) opt.before_forward(s, batch, forward_ws);
        model.arch().forward(model, *sets[s], batch, forward_ws);
        hidden[s].assign(forward_ws.hidden(), forward_ws.hidden() + batch.rows() * D);
      }
      if (opt.work) opt.work->block_runs += static_cast<int64_t>(S) * L;
    }
    if (opt.work) {
      opt.work->batches += 1;
      opt.work->block_naive += static_cast<int64_t>(S) * L;
    }

    const int64_t C = opt.logit_chunk_rows;
    for (size_t c0 = 0; c0 < scored.size(); c0 += static_cast<size_t>(C)) {
      const int64_t n = std::min<int64_t>(C, static_cast<int64_t>(scored.size() - c0));
      float* rows = head_ws.buffer("head_in", static_cast<size_t>(n * D));
      float* ref = head_ws.buffer("ref_logp", static_cast<size_t>(n * V));
      float* cur = head_ws.buffer("cur_logp", static_cast<size_t>(n * V));
      std::vector<int64_t> ref_top(static_cast<size_t>(n));
      results.assign(static_cast<size_t>(n) * S, TokenResult{});
      for (size_t s = 0; s < S; ++s) {
        for (int64_t i = 0; i < n; ++i)
          std::copy_n(hidden[s].data() + scored[c0 + i].batch_row * D, D, rows + i * D);
        float* logp = s == 0 ? ref : cur;
        output_logits(*sets[s], rows, n, logp, head_ws);
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < n; ++i) {
          float* lp = logp + i * V;
          log_softmax_inplace(lp, V);
          const ScoredRow& r = scored[c0 + i];
          const int32_t target = units.units[r.unit].ids[r.position];
          TokenResult& t = results[i * S + s];
          t = {r.unit, r.position, target, static_cast<int>(s), lp[target], 0.0, true};
          if (s == 0) {
            if (S > 1) ref_top[i] = argmax(lp, V);
          } else {
            t.kl = kl_divergence_logp(ref + i * V, lp, V);
            t.top1_agrees = argmax(lp, V) == ref_top[i];
          }
        }
      }
      for (const auto& t : results) on_token(t);
    }
    // A checkpoint rewritten under the run would mix two models in one result: every batch is
    // checked against the files as they were mapped (callers store a batch only after this).
    check_mapped_files_unchanged();
    if (progress)
      progress->advance(static_cast<int64_t>(batch.rows()));
    else
      poll_run_observer();  // callers without a progress line (search's evaluator) stay interruptible
  }
}

}  // namespace lq
