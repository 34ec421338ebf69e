// The plan selector `top=K% by=neurons:FILE[:LANGS]` (issue 15, Exp-014): keep whole
// feed-forward units, chosen by how specific they are to the target languages, instead of single
// weights. FILE is what `langquant neurons --out` writes (per unit and language the probability
// of being active, and LAPE). A unit is a row of ffn_up/ffn_gate and a column of ffn_down, so
// keeping it keeps exactly those rows and columns.
//
// Ranking (a total order, so the selection is deterministic): first the units whose largest
// probability over LANGS reaches the file's threshold (the units Tang et al. call candidates,
// restricted to the target languages), then all others; within each, lowest LAPE first (units
// never active last), ties by layer then unit. With LANGS = every language, the file's
// `specific` list is a prefix of this order.
//
// Counts: per tensor (default) the best ceil(K% * n_ff) units of that tensor's layer, so every
// selected ffn tensor keeps exactly that share of its elements, the same overhead as top=K% by
// magnitude; scope=global takes ceil(K% * units) over the layers whose ffn tensors the rule
// selects. Tensors the rule selects that are not ffn_up/ffn_gate/ffn_down weights keep nothing.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/model.h"

namespace lq::quant {

class NeuronRanking {
 public:
  // Reads and validates FILE (a `langquant neurons` JSON of schema_version 1); every error names
  // the file. `langs` empty: every language in the file.
  NeuronRanking(const std::string& path, std::vector<std::string> langs);

  // Position of each unit of `layer` in the ranking (0 = kept first), over all layers.
  int64_t rank(int64_t layer, int64_t unit) const { return rank_[static_cast<size_t>(layer * n_ff_ + unit)]; }
  int64_t n_layer() const { return n_layer_; }
  int64_t n_ff() const { return n_ff_; }

  // For each tensor in `tensors` (indices into model.tensors()), the sorted logical indices kept
  // by top=`percent`% (see the header comment); `global` is scope=global.
  std::vector<std::vector<int64_t>> select(const Model& model, const std::vector<int>& tensors, double percent,
                                           bool global) const;

 private:
  std::string path_;
  int64_t n_layer_ = 0, n_ff_ = 0;
  std::vector<int64_t> rank_;  // [layer * n_ff + unit]
};

// Whether a canonical tensor name is a feed-forward weight whose rows (up, gate) or columns
// (down) are the units; returns 0 for neither, 1 for rows, 2 for columns.
int ffn_unit_axis(const std::string& canonical);

}  // namespace lq::quant
