// Language-specific neurons (Tang et al., ACL 2024, "LAPE"). A feed-forward hidden unit is
// active on a row when its value at the input of ffn_down (Site::MlpHidden) is > 0: act(x) for
// plain MLPs (GELU, ReLU), act(gate) * up for gated ones (Tang et al. threshold act(gate) alone).
// Per unit and language: the activation probability over every row the model sees for that
// language's sentences (BOS included); LAPE = the entropy (nats) of those probabilities
// normalised to sum to 1 over languages; low LAPE = specific to few languages.
#pragma once
#include <cstdint>
#include <vector>

#include "eval/units.h"
#include "model/weight_set.h"

namespace lq::analysis {

struct NeuronCounts {
  int64_t n_layer = 0, n_ff = 0;
  std::vector<int64_t> rows;                 // [language]
  std::vector<std::vector<int64_t>> active;  // [language][layer * n_ff + unit]
  double probability(size_t lang, int64_t layer, int64_t unit) const {
    return rows[lang] ? static_cast<double>(active[lang][static_cast<size_t>(layer * n_ff + unit)]) /
                            static_cast<double>(rows[lang])
                      : 0.0;
  }
};

// Counts active units per language (Unit::lang indexes the n_languages languages).
NeuronCounts count_active_neurons(const Model& model, const WeightSet& weights, const UnitSet& units,
                                  size_t n_languages, int64_t batch_tokens);

// Entropy of p / sum(p) in nats; NaN when every p is 0 (a unit never active has no LAPE).
double lape(const std::vector<double>& p);

}  // namespace lq::analysis
