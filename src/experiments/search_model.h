// The plan search on a real model: tensor groups built from the model's structure, and the
// Evaluator that scores a candidate set as the plan "base=B; keep K <group rule>; ..." with
// full precision in one engine pass per round (plan_scoring), on the first n units of every
// language. Units already scored for a candidate are kept, so a racing round that doubles n
// scores only the new units.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "eval/engine.h"
#include "eval/units.h"
#include "experiments/plan_scoring.h"
#include "experiments/search.h"
#include "model/model.h"
#include "quant/plan_apply.h"

namespace lq::experiments {

struct TensorGroup {
  std::string name;  // e.g. "layer 3", "biases"
  std::string rule;  // one plan rule, e.g. "keep fp16 layers=3"
};

// Families: layers (each block), layer-components (each block's attention and mlp),
// components (embeddings, attention, mlp, output), biases, norms. Groups that select no
// parameter of this model are left out. Throws on an unknown family.
std::vector<TensorGroup> make_groups(const Model& model, const std::vector<std::string>& families,
                                     const std::string& keep);

class PassMemo;

class ModelEvaluator : public Evaluator {
 public:
  ModelEvaluator(const Model& model, const UnitSet& units, size_t n_languages, std::vector<TensorGroup> groups,
                 std::string base, ObjectiveSpec spec, EngineOptions eo, int sets_per_pass = 8);
  size_t total_units() const override { return per_lang_; }
  std::vector<ObjectiveSample> evaluate(const std::vector<GroupSet>& sets, size_t n) override;
  // The candidate's plan in one-line form and its overhead (share of parameters kept).
  std::string plan_line(const GroupSet& s) const;
  double cost(const GroupSet& s);
  const std::vector<TensorGroup>& groups() const { return groups_; }
  int64_t passes() const { return passes_; }
  // Keep every pass's results in a progress file (pass_memo.h); a pass found there is read,
  // not computed. Null: none.
  void set_memo(PassMemo* memo) { memo_ = memo; }

 private:
  struct UnitScore {
    double nll_q = 0, kl = 0;
  };
  const Model& model_;
  const UnitSet& units_;
  std::vector<std::vector<size_t>> lang_units_;  // per language: unit indices, first per_lang_
  size_t per_lang_ = 0;
  std::vector<TensorGroup> groups_;
  std::string base_;
  ObjectiveSpec spec_;
  EngineOptions eo_;
  int sets_per_pass_;
  std::vector<double> nll_fp_, tokens_;  // per unit index, from the FP set of the passes
  std::map<GroupSet, std::vector<std::vector<UnitScore>>> scored_;  // per language, prefix
  std::map<GroupSet, double> cost_;
  quant::QuantCache cache_;
  int64_t passes_ = 0;
  PassMemo* memo_ = nullptr;
};

}  // namespace lq::experiments
