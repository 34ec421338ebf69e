// Per-language statistics of the residual stream after every block (the seeds' Exp-036):
// RMS, mean and max |h|, excess kurtosis, massive activations (|h| > factor x the layer's
// median |h|), the language's critical layers, and with a plan, how far each layer's output
// moves from full precision. Statistics pool every element of every row the model sees:
// each sentence fed alone, with BOS when the model has one (BOS rows included; massive
// activations at BOS show up with position 0).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "eval/units.h"
#include "model/weight_set.h"
#include "tokenizers/tokenizer.h"

namespace lq::analysis {

struct ActivationOptions {
  int64_t batch_tokens = 2048;
  double massive_factor = 100;  // |h| > factor * median |h| of the layer (per language)
  int top_massive = 5;          // the largest massive activations listed per layer
  double critical_share = 0.2;  // critical layers: round(share * n_layer) (at least 1)
};

struct MassiveActivation {
  int sentence = 0;        // index in the language's sentences
  int64_t position = 0;    // row inside the unit (0 = BOS when the model adds one)
  int32_t token = 0;
  int64_t channel = 0;
  float value = 0;
};

struct LayerActivations {
  int layer = 0;
  int64_t n = 0;  // elements: rows * dim
  double rms = 0, mean_abs = 0, max_abs = 0, kurtosis = 0;
  // Lower median of |h|: the ((n - 1) / 2)-th smallest (0-based), found exactly by a two-pass
  // radix selection (the second pass reruns the forward).
  double median_abs = 0;
  int64_t massive = 0;
  std::vector<MassiveActivation> top;  // largest first
  std::optional<double> plan_rel_error;  // sqrt(sum ||h_P - h_FP||^2 / sum ||h_FP||^2)
};

struct LanguageActivations {
  std::string lang;
  int64_t sentences = 0, rows = 0;
  std::vector<LayerActivations> layers;
  // The round(critical_share * n_layer) layers with the largest mean |h|, by decreasing mean |h|.
  std::vector<int> critical_layers;
};

// Called with every block output of the full-precision pass 1 (tests dump these).
using HiddenSink = std::function<void(int lang, int layer, const float* h, int64_t rows, int64_t dim)>;

// A run continued after a stop: `finished` gives the statistics of languages an earlier run
// completed (their forwards are skipped), `on_finished` is told each language this run
// completes. Languages are independent, so the result equals an uninterrupted run's.
struct ActivationResume {
  std::function<std::optional<LanguageActivations>(int lang)> finished;
  std::function<void(int lang, const LanguageActivations&)> on_finished;
};

// units: sentence-mode units of the corpus (Unit::lang indexes languages). plan may be null.
std::vector<LanguageActivations> activation_stats(const Model& model, const WeightSet& fp, const WeightSet* plan,
                                                  const UnitSet& units, const std::vector<std::string>& languages,
                                                  const ActivationOptions& opt, bool quiet,
                                                  const HiddenSink& sink = nullptr, const ActivationResume& resume = {});

}  // namespace lq::analysis
