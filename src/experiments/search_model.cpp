#include "experiments/search_model.h"

#include <algorithm>
#include <optional>

#include "core/error.h"
#include "experiments/pass_memo.h"
#include "quant/plan.h"

namespace lq::experiments {

std::vector<TensorGroup> make_groups(const Model& model, const std::vector<std::string>& families,
                                     const std::string& keep) {
  const int L = static_cast<int>(model.hparams().n_layer);
  std::vector<TensorGroup> cand;
  for (const auto& f : families) {
    if (f == "layers") {
      for (int i = 0; i < L; ++i) cand.push_back({"layer " + std::to_string(i), "keep " + keep + " layers=" + std::to_string(i)});
    } else if (f == "layer-components") {
      for (int i = 0; i < L; ++i)
        for (const char* c : {"attention", "mlp"})
          cand.push_back({"layer " + std::to_string(i) + " " + c,
                          "keep " + keep + " layers=" + std::to_string(i) + " component=" + c});
    } else if (f == "components") {
      for (const char* c : {"embeddings", "attention", "mlp", "output"})
        cand.push_back({std::string(c), "keep " + keep + " component=" + c});
    } else if (f == "biases") {
      cand.push_back({"biases", "keep " + keep + " kind=bias"});
    } else if (f == "norms") {
      cand.push_back({"norms", "keep " + keep + " kind=norm"});
    } else {
      fail("--groups " + f, "unknown group family (layers, layer-components, components, biases, norms)");
    }
  }
  // Keep only groups that select something: a plan with just that rule over base fp32 keeps
  // nothing, so cost it over a base the keep format is above (int4).
  std::vector<TensorGroup> out;
  for (const auto& g : cand) {
    const quant::Plan p = quant::parse_plan_line("base=int4; " + g.rule);
    if (prepare_plan(p, g.name, model).info.overhead > 0) out.push_back(g);
  }
  return out;
}

ModelEvaluator::ModelEvaluator(const Model& model, const UnitSet& units, size_t n_languages,
                               std::vector<TensorGroup> groups, std::string base, ObjectiveSpec spec, EngineOptions eo,
                               int sets_per_pass)
    : model_(model), units_(units), lang_units_(n_languages), groups_(std::move(groups)), base_(std::move(base)),
      spec_(std::move(spec)), eo_(eo), sets_per_pass_(std::max(2, sets_per_pass)) {
  for (size_t i = 0; i < units.units.size(); ++i) lang_units_[static_cast<size_t>(units.units[i].lang)].push_back(i);
  per_lang_ = units.units.empty() ? 0 : SIZE_MAX;
  for (const auto& l : lang_units_) per_lang_ = std::min(per_lang_, l.size());
  nll_fp_.assign(units.units.size(), 0);
  tokens_.assign(units.units.size(), 0);
}

std::string ModelEvaluator::plan_line(const GroupSet& s) const {
  std::string line = "base=" + base_;
  for (int g : s) line += "; " + groups_[static_cast<size_t>(g)].rule;
  return line;
}

double ModelEvaluator::cost(const GroupSet& s) {
  if (auto it = cost_.find(s); it != cost_.end()) return it->second;
  const double c = prepare_plan(quant::parse_plan_line(plan_line(s)), "candidate", model_).info.overhead;
  return cost_[s] = c;
}

std::vector<ObjectiveSample> ModelEvaluator::evaluate(const std::vector<GroupSet>& sets, size_t n) {
  n = std::min(n, per_lang_);
  const size_t L = lang_units_.size();
  // Sets sharing a scored prefix length need the same new units: one engine pass per chunk.
  std::map<size_t, std::vector<GroupSet>> by_covered;
  for (const auto& s : sets) {
    auto& sc = scored_[s];
    if (sc.empty()) sc.assign(L, {});
    const size_t covered = sc[0].size();
    if (covered < n) {
      auto& v = by_covered[covered];
      if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
    }
  }
  for (const auto& [covered, todo] : by_covered) {
    UnitSet sub;
    sub.n_ctx = units_.n_ctx;
    sub.bos = units_.bos;
    sub.mask_id = units_.mask_id;
    std::vector<size_t> index;  // sub unit -> unit index
    for (size_t l = 0; l < L; ++l)
      for (size_t k = covered; k < n; ++k) {
        index.push_back(lang_units_[l][k]);
        sub.units.push_back(units_.units[lang_units_[l][k]]);
      }
    const size_t chunk = static_cast<size_t>(sets_per_pass_ - 1);
    for (size_t at = 0; at < todo.size(); at += chunk) {
      const size_t m = std::min(chunk, todo.size() - at);
      // A pass is named by what it scores: its unit range and its candidates' plans.
      std::string key = "units " + std::to_string(covered) + ".." + std::to_string(n) + " of each language";
      for (size_t j = 0; j < m; ++j) key += "\n" + plan_line(todo[at + j]);
      std::optional<std::vector<UnitSetScores>> stored = memo_ ? memo_->find(key) : std::nullopt;
      std::vector<UnitSetScores> res;
      if (stored) {
        res = std::move(*stored);
      } else {
        std::vector<std::unique_ptr<WeightSet>> owned;
        owned.push_back(std::make_unique<WeightSet>(model_));
        for (size_t j = 0; j < m; ++j) {
          const PreparedPlan p = prepare_plan(quant::parse_plan_line(plan_line(todo[at + j])), "candidate", model_);
          owned.push_back(std::make_unique<WeightSet>(quant::build_weight_set(model_, p.resolved, cache_)));
        }
        std::vector<const WeightSet*> ws;
        for (const auto& w : owned) ws.push_back(w.get());
        res = score_sets(model_, ws, sub, eo_, nullptr);
        if (memo_) memo_->put(key, res);
      }
      ++passes_;
      for (size_t u = 0; u < index.size(); ++u) {
        nll_fp_[index[u]] = res[u].nll[0];
        tokens_[index[u]] = static_cast<double>(res[u].tokens);
      }
      for (size_t j = 0; j < m; ++j) {
        auto& sc = scored_[todo[at + j]];
        size_t u = 0;
        for (size_t l = 0; l < L; ++l)
          for (size_t k = covered; k < n; ++k, ++u) sc[l].push_back({res[u].nll[j + 1], res[u].kl[j + 1]});
      }
    }
  }
  std::vector<ObjectiveSample> out;
  for (const auto& s : sets) {
    const auto& sc = scored_.at(s);
    std::vector<LanguageUnits> lu(L);
    for (size_t l = 0; l < L; ++l)
      for (size_t k = 0; k < n; ++k) {
        const size_t i = lang_units_[l][k];
        lu[l].tokens.push_back(tokens_[i]);
        lu[l].bytes.push_back(static_cast<double>(units_.units[i].bytes));
        lu[l].nll_fp.push_back(nll_fp_[i]);
        lu[l].nll_q.push_back(sc[l][k].nll_q);
        lu[l].kl.push_back(sc[l][k].kl);
      }
    out.push_back(objective_sample(lu, spec_));
  }
  return out;
}

}  // namespace lq::experiments
