// Attention sinks per head and language, from the attention weights the forward itself uses
// (the kernel's row observer, model/workspace.h). Units are fed as the eval engine feeds them
// (sentence mode: BOS first when the model has one), so position 0 is BOS or the first token.
//
// For query row i of a sentence and head h, p_i(j) is the weight on the key at position j.
// Only queries i >= 1 count (query 0 sees nothing but itself).
//   first(h)  = mean over counted queries of p_i(0): the share of attention on the first token
//               (0 for a query whose sliding window no longer reaches position 0);
//   other(h)  = mean over counted queries of the summed p_i(j) over "secondary sink" keys j:
//               1 <= j < i, where key j receives on average at least `threshold` of the
//               attention of the queries after it in its sentence (mean over i > j of p_i(j)).
// The threshold is absolute (default 0.3, the first-token criterion of Gu et al. 2024); in
// short sentences uniform attention alone reaches 1/3 for j = 1, n = 3.
#pragma once
#include <cstdint>
#include <vector>

#include "eval/units.h"
#include "model/weight_set.h"

namespace lq::analysis {

struct SinkOptions {
  double threshold = 0.3;
  int64_t batch_tokens = 2048;
};

struct HeadSinks {
  double first_sum = 0, other_sum = 0;  // summed over counted queries
  int64_t queries = 0;
  double first() const { return queries ? first_sum / static_cast<double>(queries) : 0; }
  double other() const { return queries ? other_sum / static_cast<double>(queries) : 0; }
};

// [language][layer][head], languages indexed by Unit::lang (n_languages of them).
using SinkTable = std::vector<std::vector<std::vector<HeadSinks>>>;

// Runs `weights` over the units (causal language models; a masked LM is refused) and sums the
// statistics above.
SinkTable attention_sinks(const Model& model, const WeightSet& weights, const UnitSet& units, size_t n_languages,
                          const SinkOptions& opt);

// Adds one sentence's attention of one head: p[i * n + j] = p_i(j) (zero outside what i sees).
void add_sentence_sinks(const float* p, int64_t n, double threshold, HeadSinks& out);

}  // namespace lq::analysis
