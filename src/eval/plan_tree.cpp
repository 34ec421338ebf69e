#include "eval/plan_tree.h"

#include <algorithm>
#include <map>
#include <utility>

#include "core/error.h"
#include "model/arch.h"
#include "model/batch.h"
#include "model/model.h"
#include "model/workspace.h"

namespace lq {

PlanTree::PlanTree(const Model& model, const std::vector<const WeightSet*>& sets) : model_(&model), sets_(sets) {
  const int64_t L = model.hparams().n_layer;
  const auto stages = static_cast<size_t>(L + 2);
  // The tensors each stage reads; a name forward_stage_of does not know counts in every stage.
  std::vector<std::vector<int>> reads(stages);
  for (size_t i = 0; i < model.tensors().size(); ++i) {
    const int st = forward_stage_of(model.tensors()[i].canonical, L);
    if (st == kHeadOnly) continue;
    for (size_t t = 0; t < stages; ++t)
      if (st == kEveryStage || static_cast<size_t>(st) == t) reads[t].push_back(static_cast<int>(i));
  }
  for (const WeightSet* s : sets)
    if (&s->model() != &model) fail(model.dir(), "plan tree: a weight set of another model");
  // A set's node at stage t is its node at t - 1 plus the identities of stage t's tensors.
  node_.assign(stages, std::vector<int>(sets.size()));
  std::vector<int> parent(sets.size(), -1);
  for (size_t t = 0; t < stages; ++t) {
    std::map<std::pair<int, std::vector<const void*>>, int> ids;
    for (size_t s = 0; s < sets.size(); ++s) {
      std::vector<const void*> key;
      key.reserve(reads[t].size());
      for (int i : reads[t]) key.push_back(sets[s]->tensor_identity(i));
      const auto it = ids.emplace(std::make_pair(parent[s], std::move(key)), static_cast<int>(ids.size())).first;
      node_[t][s] = it->second;
    }
    if (t >= 1 && t <= static_cast<size_t>(L)) blocks_per_batch_ += static_cast<int64_t>(ids.size());
    parent = node_[t];
  }
}

void PlanTree::run(const Batch& b, Workspace& ws, const std::function<void(size_t set, const float* hidden)>& done) {
  if (sets_.empty()) return;
  std::vector<size_t> all(sets_.size());
  for (size_t s = 0; s < all.size(); ++s) all[s] = s;
  descend(b, ws, 0, std::move(all), 0, done);
}

// The sets in `group` agree on every stage before `stage`, whose output is residual_[depth]
// (nothing yet when stage is 0). Runs the rest of their forwards.
void PlanTree::descend(const Batch& b, Workspace& ws, int stage, std::vector<size_t> group, size_t depth,
                       const std::function<void(size_t, const float*)>& done) {
  const Architecture& arch = model_->arch();
  const auto L = static_cast<int>(model_->hparams().n_layer);
  const size_t n = static_cast<size_t>(b.rows() * model_->hparams().n_embd);
  if (residual_.size() <= depth) residual_.resize(depth + 1);
  residual_[depth].resize(n);
  for (;; ++stage) {
    // The children at this stage, in the order of their first set.
    std::vector<std::vector<size_t>> parts;
    std::vector<int> part_node;
    for (size_t s : group) {
      const int id = node_[static_cast<size_t>(stage)][s];
      const auto it = std::find(part_node.begin(), part_node.end(), id);
      if (it == part_node.end()) {
        part_node.push_back(id);
        parts.push_back({s});
      } else {
        parts[static_cast<size_t>(it - part_node.begin())].push_back(s);
      }
    }
    float* x = residual_[depth].data();
    if (stage == L + 1) {  // finish reads x and leaves it as it was: no copies
      for (const auto& part : parts) {
        arch.run_stage(*model_, *sets_[part.front()], b, stage, ws, x);
        const float* hidden = ws.hidden(n);
        for (size_t s : part) done(s, hidden);
      }
      return;
    }
    // Every child but the last runs on its own copy (embed needs none: it writes x whole).
    for (size_t c = 0; c + 1 < parts.size(); ++c) {
      if (residual_.size() <= depth + 1) residual_.resize(depth + 2);
      residual_[depth + 1].resize(n);
      if (stage > 0) std::copy_n(residual_[depth].data(), n, residual_[depth + 1].data());
      arch.run_stage(*model_, *sets_[parts[c].front()], b, stage, ws, residual_[depth + 1].data());
      if (stage >= 1) ++blocks_run_;
      descend(b, ws, stage + 1, std::move(parts[c]), depth + 1, done);
      x = residual_[depth].data();  // a deeper level may have grown the vector of buffers
    }
    arch.run_stage(*model_, *sets_[parts.back().front()], b, stage, ws, x);
    if (stage >= 1 && stage <= L) ++blocks_run_;
    group = std::move(parts.back());
  }
}

}  // namespace lq
