// Diagonal (empirical) Fisher information of a GPT-2, per language: how much each weight
// matters to the model's loss on that language's text (research brief §3, Exp-028b/029).
//
// Definition. For a language l with sequences s = 1..N (each corpus sentence tokenized, BOS
// prepended when the model has one, cut to the model's context), let
//     L_s(w) = (1/T_s) * sum_t -log p_w(x_t | x_<t)      (mean NLL over the T_s predicted tokens)
// The Fisher of weight w_i for l is the mean over sequences of its squared gradient:
//     F_l[i] = (1/N) * sum_s (dL_s/dw_i)^2
// It is "empirical": gradients at the observed next tokens, not at tokens sampled from the model.
// A group (e.g. lr=ar,he) is the plain mean of its languages' F_l (each language weighs the
// same, whatever its number of sequences). The language-aware set "max" is, per weight, the
// largest *normalised* Fisher over the languages computed: max_l F_l[i] / mean_j F_l[j] (the mean
// over every weight of the model), so that a language with a larger loss (larger gradients)
// does not dominate merely by scale; 1 means "as important as the average weight for that
// language".
//
// Layout. Importance tensors are named "<set>/<canonical tensor name>" (set: a language code,
// "group:<name>" or "max") and laid out in langquant's logical order: matrices [out, in] (the
// transpose of GPT-2's Conv1D storage), other tensors as stored. Tied tensors (GPT-2's
// token_embd.weight = output.weight) are one tensor whose gradient sums both roles.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/model.h"
#include "tokenizers/tokenizer.h"
#include "train/gpt2_trainable.h"

namespace lq::train {

struct FisherTensor {
  std::string canonical;        // primary canonical name
  std::string param;            // Gpt2Trainable parameter it comes from
  std::vector<int64_t> shape;   // logical shape ([out, in] for matrices)
  int layer = -1;               // block index, -1 outside the blocks
  bool transpose = false;       // parameter stored [in, out]
};

struct FisherSet {
  std::string name;                       // language code, "group:<name>" or "max"
  int64_t sequences = 0, tokens = 0;      // sequences and predicted tokens (languages only)
  std::vector<std::vector<float>> values; // one vector per FisherResult::tensors entry
};

struct FisherResult {
  std::vector<FisherTensor> tensors;
  std::vector<FisherSet> sets;  // languages (corpus order), then groups, then "max"
};

// One language's text: its code and sentences (e.g. a LanguageText of eval/corpus.h).
struct FisherLanguage {
  std::string code;
  const std::vector<std::string>* sentences = nullptr;
};

struct FisherOptions {
  int64_t max_sequences = 256;  // per language, the first ones of the corpus; 0 = all
  bool quiet = false;
};

// The canonical tensors of `model` and the parameters of `net` they correspond to; throws
// lq::Error when the model is not GPT-2 or a tensor has no parameter of the same size.
std::vector<FisherTensor> fisher_tensors(const Model& model, const Gpt2Trainable& net);

// A run continued after a stop: `finished` gives the sets of languages an earlier run completed
// (their gradients are not recomputed), `on_finished` is told each language this run completes.
// Languages are independent, and groups and "max" are made from the sets' stored floats, so the
// result equals an uninterrupted run's.
struct FisherResume {
  std::function<std::optional<FisherSet>(const std::string& lang)> finished;
  std::function<void(const FisherSet&)> on_finished;
};

// Fisher per language of `langs`, then per group (members must be among langs), then "max".
FisherResult compute_fisher(const Model& model, Gpt2Trainable& net, const Tokenizer& tok,
                            const std::vector<FisherLanguage>& langs,
                            const std::map<std::string, std::vector<std::string>>& groups,
                            const FisherOptions& opt, const FisherResume& resume = {});

// Per set: total, per tensor (sum, mean, max, share of the set's total) and per layer sums.
nlohmann::json fisher_summary(const FisherResult& r);

// Writes the importance tensors (F32) to a .safetensors file with metadata (format, the
// definition, sets) and the summary JSON; both written atomically.
void write_fisher(const FisherResult& r, const std::string& safetensors_path, const std::string& json_path,
                  const nlohmann::json& about);

}  // namespace lq::train
