#include "analysis/attention_sinks.h"

#include <algorithm>

#include "core/error.h"
#include "model/batch.h"
#include "model/model.h"
#include "model/workspace.h"

namespace lq::analysis {

void add_sentence_sinks(const float* p, int64_t n, double threshold, HeadSinks& out) {
  // Which keys j >= 1 are secondary sinks: mean over the later queries i > j of p_i(j).
  std::vector<char> sink(static_cast<size_t>(n), 0);
  for (int64_t j = 1; j + 1 < n; ++j) {
    double received = 0;
    for (int64_t i = j + 1; i < n; ++i) received += p[i * n + j];
    sink[j] = received / static_cast<double>(n - 1 - j) >= threshold;
  }
  for (int64_t i = 1; i < n; ++i) {
    out.first_sum += p[i * n];
    double other = 0;
    for (int64_t j = 1; j < i; ++j)
      if (sink[j]) other += p[i * n + j];
    out.other_sum += other;
    out.queries += 1;
  }
}

SinkTable attention_sinks(const Model& model, const WeightSet& weights, const UnitSet& units, size_t n_languages,
                          const SinkOptions& opt) {
  const HParams& hp = model.hparams();
  if (units.mask_id >= 0 || hp.masked_lm) fail(model.dir(), "attention sinks are measured on causal language models");
  const int H = static_cast<int>(hp.n_head);
  SinkTable table(n_languages, std::vector<std::vector<HeadSinks>>(hp.n_layer, std::vector<HeadSinks>(H)));

  Batch batch;
  std::vector<int> seg_lang;        // language of each segment
  std::vector<int64_t> seg_offset;  // where each segment's [head][i][j] block starts in probs
  std::vector<float> probs;
  Workspace ws;
  // Rows of one layer arrive from worker threads, each (row, head) once, into its own cells.
  ws.set_attention_observer([&](int, const AttentionRow& r) {
    const int64_t n = batch.segments[static_cast<size_t>(r.segment)].length;
    float* dst = probs.data() + seg_offset[static_cast<size_t>(r.segment)] + (int64_t(r.head) * n + r.position) * n;
    std::copy(r.p + r.first, r.p + r.end, dst + r.first);
  });
  // The heads' outputs are ready only after every row of the layer was observed: summarise there.
  ws.set_intervention([&](Site site, int layer, float*, int64_t, int64_t) {
    if (site != Site::AttnHeads) return;
    for (size_t s = 0; s < batch.segments.size(); ++s) {
      const int64_t n = batch.segments[s].length;
      for (int h = 0; h < H; ++h)
        add_sentence_sinks(probs.data() + seg_offset[s] + int64_t(h) * n * n, n, opt.threshold,
                           table[static_cast<size_t>(seg_lang[s])][static_cast<size_t>(layer)][static_cast<size_t>(h)]);
    }
    std::fill(probs.begin(), probs.end(), 0.0f);
  });
  size_t next = 0;
  while (next < units.units.size()) {
    batch.clear();
    seg_lang.clear();
    seg_offset.clear();
    int64_t cells = 0;
    while (next < units.units.size()) {
      const Unit& u = units.units[next];
      const auto n = static_cast<int64_t>(u.ids.size());
      if (batch.rows() > 0 && batch.rows() + n > opt.batch_tokens) break;
      batch.add_sequence(u.ids);
      seg_lang.push_back(u.lang);
      seg_offset.push_back(cells);
      cells += int64_t(H) * n * n;
      ++next;
    }
    probs.assign(static_cast<size_t>(cells), 0.0f);
    model.arch().forward(model, weights, batch, ws);
  }
  return table;
}

}  // namespace lq::analysis
