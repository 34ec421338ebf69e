#include "analysis/lang_neurons.h"

#include <cmath>

#include "core/error.h"
#include "model/batch.h"
#include "model/model.h"
#include "model/workspace.h"

namespace lq::analysis {

double lape(const std::vector<double>& p) {
  double sum = 0;
  for (double v : p) sum += v;
  if (!(sum > 0)) return NAN;
  double h = 0;
  for (double v : p)
    if (v > 0) h -= (v / sum) * std::log(v / sum);
  return h;
}

NeuronCounts count_active_neurons(const Model& model, const WeightSet& weights, const UnitSet& units,
                                  size_t n_languages, int64_t batch_tokens) {
  const HParams& hp = model.hparams();
  if (units.mask_id >= 0) fail(model.dir(), "language-specific neurons are counted on causal language models");
  NeuronCounts c;
  c.n_layer = hp.n_layer;
  c.n_ff = hp.n_ff;
  c.rows.assign(n_languages, 0);
  c.active.assign(n_languages, std::vector<int64_t>(static_cast<size_t>(hp.n_layer * hp.n_ff), 0));
  Batch batch;
  std::vector<int> row_lang;
  Workspace ws;
  ws.set_intervention([&](Site site, int layer, float* x, int64_t rows, int64_t dim) {
    if (site != Site::MlpHidden) return;
    if (dim != c.n_ff) fail(model.dir(), "feed-forward width differs from n_ff");
    for (int64_t r = 0; r < rows; ++r) {
      int64_t* a = c.active[static_cast<size_t>(row_lang[static_cast<size_t>(r)])].data() + layer * dim;
      const float* v = x + r * dim;
      for (int64_t i = 0; i < dim; ++i) a[i] += v[i] > 0.0f;
    }
  });
  size_t next = 0;
  while (next < units.units.size()) {
    batch.clear();
    row_lang.clear();
    while (next < units.units.size()) {
      const Unit& u = units.units[next];
      if (batch.rows() > 0 && batch.rows() + static_cast<int64_t>(u.ids.size()) > batch_tokens) break;
      batch.add_sequence(u.ids);
      row_lang.insert(row_lang.end(), u.ids.size(), u.lang);
      c.rows[static_cast<size_t>(u.lang)] += static_cast<int64_t>(u.ids.size());
      ++next;
    }
    model.arch().forward(model, weights, batch, ws);
  }
  return c;
}

}  // namespace lq::analysis
