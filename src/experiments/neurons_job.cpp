#include "experiments/neurons_job.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "eval/corpus.h"
#include "eval/estimate_json.h"
#include "model/checkpoint.h"

namespace lq {

void select_specific(NeuronsReport& r) {
  const auto& c = r.counts;
  const size_t L = r.languages.size();
  const int64_t N = c.n_layer * c.n_ff;
  r.lape.assign(static_cast<size_t>(N), NAN);
  std::vector<double> all, p(L);
  for (int64_t n = 0; n < N; ++n)
    for (size_t l = 0; l < L; ++l) all.push_back(c.probability(l, n / c.n_ff, n % c.n_ff));
  // numpy.quantile's default (linear interpolation between order statistics).
  std::sort(all.begin(), all.end());
  const double pos = r.quantile * static_cast<double>(all.size() - 1);
  const auto lo = static_cast<size_t>(pos);
  r.threshold = lo + 1 < all.size() ? all[lo] + (pos - static_cast<double>(lo)) * (all[lo + 1] - all[lo]) : all[lo];
  std::vector<int64_t> cand;
  for (int64_t n = 0; n < N; ++n) {
    for (size_t l = 0; l < L; ++l) p[l] = c.probability(l, n / c.n_ff, n % c.n_ff);
    r.lape[static_cast<size_t>(n)] = analysis::lape(p);
    if (*std::max_element(p.begin(), p.end()) >= r.threshold && r.threshold > 0) cand.push_back(n);
  }
  r.candidates = static_cast<int64_t>(cand.size());
  // Lowest LAPE first; ties by index, so the selection is reproducible.
  std::stable_sort(cand.begin(), cand.end(), [&](int64_t a, int64_t b) { return r.lape[a] < r.lape[b]; });
  const auto k = static_cast<size_t>(std::ceil(r.share * static_cast<double>(cand.size())));
  r.specific.clear();
  for (size_t i = 0; i < std::min(k, cand.size()); ++i) {
    SpecificNeuron s{cand[i] / c.n_ff, cand[i] % c.n_ff, r.lape[static_cast<size_t>(cand[i])], {}};
    for (size_t l = 0; l < L; ++l)
      if (c.probability(l, s.layer, s.unit) >= r.threshold) s.langs.push_back(r.languages[l]);
    r.specific.push_back(std::move(s));
  }
}

NeuronsReport run_neurons_job(const NeuronsSpec& spec) {
  auto model = Model::load(spec.model);
  auto tok = open_tokenizer(*model);
  Corpus corpus = load_corpus(spec.corpus, spec.langs);
  keep_first_sentences(corpus, spec.sentences);
  const UnitSet units = make_units(corpus, *tok, model->hparams(), UnitOptions{});
  NeuronsReport r;
  r.model = spec.model;
  r.corpus = spec.corpus;
  r.sentences_per_language = spec.sentences;
  r.quantile = spec.quantile;
  r.share = spec.share;
  for (const auto& l : corpus.languages) r.languages.push_back(l.code);
  const WeightSet fp(*model);
  r.counts = analysis::count_active_neurons(*model, fp, units, r.languages.size(), spec.batch_tokens);
  select_specific(r);
  return r;
}

nlohmann::json neurons_json(const NeuronsReport& r) {
  using json = nlohmann::json;
  const auto& c = r.counts;
  json j;
  j["schema_version"] = kNeuronsSchemaVersion;
  j["kind"] = "langquant.neurons";
  j["model"] = r.model;
  j["corpus"] = r.corpus;
  j["sentences_per_language"] = r.sentences_per_language;
  j["n_layer"] = c.n_layer;
  j["n_ff"] = c.n_ff;
  j["definitions"] = {
      {"active", "the unit's value at the input of ffn_down is > 0 (gated MLPs: act(gate) * up)"},
      {"probability", "active rows / rows of the language (every row, BOS included)"},
      {"lape", "entropy (nats) of the unit's probabilities normalised over languages; null if never active"},
      {"threshold", "the quantile of all probabilities (numpy linear); candidates reach it in some language"},
      {"specific", "the share of candidates with the lowest LAPE; langs: where the probability reaches the threshold"}};
  j["quantile"] = r.quantile;
  j["share"] = r.share;
  j["threshold"] = r.threshold;
  j["candidates"] = r.candidates;
  for (size_t l = 0; l < r.languages.size(); ++l) {
    json probs = json::array();
    for (int64_t layer = 0; layer < c.n_layer; ++layer) {
      json row = json::array();
      for (int64_t u = 0; u < c.n_ff; ++u) row.push_back(c.probability(l, layer, u));
      probs.push_back(std::move(row));
    }
    j["languages"].push_back({{"lang", r.languages[l]}, {"rows", c.rows[l]}, {"probability", std::move(probs)}});
  }
  j["lape"] = json::array();
  for (int64_t layer = 0; layer < c.n_layer; ++layer) {
    json row = json::array();
    for (int64_t u = 0; u < c.n_ff; ++u) row.push_back(finite_or_null(r.lape[static_cast<size_t>(layer * c.n_ff + u)]));
    j["lape"].push_back(std::move(row));
  }
  j["specific"] = json::array();
  for (const auto& s : r.specific)
    j["specific"].push_back({{"layer", s.layer}, {"unit", s.unit}, {"lape", s.lape}, {"langs", s.langs}});
  return j;
}

std::string neurons_markdown(const NeuronsReport& r) {
  std::ostringstream o;
  o << "# Language-specific neurons: " << r.model << "\n\nCorpus " << r.corpus << "; " << r.specific.size()
    << " language-specific feed-forward units: the lowest-LAPE " << r.share * 100 << "% of the " << r.candidates
    << " units active with probability >= " << r.threshold << " (the " << r.quantile * 100
    << "th percentile) in some language.\n\n## Answer\n\n| language | specific units | of which only this language |\n|---|---:|---:|\n";
  for (const auto& lang : r.languages) {
    int64_t n = 0, only = 0;
    for (const auto& s : r.specific)
      if (std::find(s.langs.begin(), s.langs.end(), lang) != s.langs.end()) ++n, only += s.langs.size() == 1;
    o << "| " << lang << " | " << n << " | " << only << " |\n";
  }
  o << "\n| layer | specific units |\n|---:|---:|\n";
  for (int64_t layer = 0; layer < r.counts.n_layer; ++layer)
    o << "| " << layer << " | "
      << std::count_if(r.specific.begin(), r.specific.end(), [&](const SpecificNeuron& s) { return s.layer == layer; })
      << " |\n";
  o << "\n## Lowest LAPE\n\n| layer | unit | LAPE | languages |\n|---:|---:|---:|---|\n";
  for (size_t i = 0; i < std::min<size_t>(20, r.specific.size()); ++i) {
    const auto& s = r.specific[i];
    o << "| " << s.layer << " | " << s.unit << " | " << s.lape << " |";
    for (size_t k = 0; k < s.langs.size(); ++k) o << (k ? ", " : " ") << s.langs[k];
    o << " |\n";
  }
  return o.str();
}

}  // namespace lq
