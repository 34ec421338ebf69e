#include "model/model.h"

#include <set>

#include "core/error.h"

namespace lq {

std::string with_layer(const std::string& pattern, int layer) {
  std::string s = pattern;
  for (size_t p; (p = s.find("{L}")) != std::string::npos;) s.replace(p, 3, std::to_string(layer));
  return s;
}

std::unique_ptr<Model> Model::load(const std::string& dir) {
  std::unique_ptr<Model> m(new Model());
  m->dir_ = dir;
  m->config_ = ModelConfig::load(dir);
  m->arch_ = &find_architecture(m->config_);
  m->hparams_ = m->arch_->read_hparams(m->config_);
  m->store_ = std::make_unique<TensorStore>(dir);

  std::set<std::string> used;
  for (const TensorRow& row : m->arch_->tensor_table(m->hparams_)) {
    const bool per_layer = row.canonical.find("{L}") != std::string::npos;
    const int n = per_layer ? static_cast<int>(m->hparams_.n_layer) : 1;
    for (int l = 0; l < n; ++l) {
      const std::string canonical = per_layer ? with_layer(row.canonical, l) : row.canonical;
      const TensorView* view = nullptr;
      std::string hf;
      for (const auto& cand : row.hf_names) {
        hf = per_layer ? with_layer(cand, l) : cand;
        if ((view = m->store_->find(hf))) break;
      }
      if (!view) {
        if (!row.required) continue;
        fail(dir, "checkpoint lacks tensor '" + (per_layer ? with_layer(row.hf_names[0], l) : row.hf_names[0]) +
                      "' (canonical " + canonical + ")");
      }
      if (!dtype_is_float_supported(view->dtype))
        fail(dir, "tensor '" + hf + "' has dtype " + std::string(dtype_name(view->dtype)) +
                      "; weights must be F32, F16 or BF16");
      if (!row.shape.empty() && view->shape != row.shape) {
        TensorView expected;
        expected.shape = row.shape;
        fail(dir, "tensor '" + hf + "' has shape " + view->shape_string() + " but config.json implies " +
                      expected.shape_string());
      }
      used.insert(hf);
      TensorInfo t;
      t.canonical = canonical;
      t.roles = {canonical};
      t.hf_name = hf;
      t.layer = layer_of(canonical);
      t.kind = kind_of(canonical);
      t.component = component_of(canonical);
      t.in_major = row.in_major;
      t.qkv_per_head = row.qkv_per_head;
      t.view = view;
      m->tensors_.push_back(std::move(t));
    }
  }
  for (size_t i = 0; i < m->tensors_.size(); ++i) m->by_role_[m->tensors_[i].canonical] = static_cast<int>(i);
  // A tied output head is the token embedding serving a second role.
  if (m->hparams_.tied_output && !m->by_role_.count("output.weight") && m->by_role_.count("token_embd.weight")) {
    const int e = m->by_role_["token_embd.weight"];
    m->tensors_[e].roles.push_back("output.weight");
    m->by_role_["output.weight"] = e;
  }
  for (const auto& [name, view] : m->store_->all()) {
    if (used.count(name)) continue;
    bool ignored = false;
    for (const auto& suf : m->arch_->ignored_suffixes)
      ignored |= name.size() >= suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0;
    if (!ignored) m->unused_.push_back(name);
  }
  return m;
}

const TensorInfo* Model::find(const std::string& canonical) const {
  auto it = by_role_.find(canonical);
  return it == by_role_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& Model::get(const std::string& canonical) const {
  const TensorInfo* t = find(canonical);
  if (!t) fail(dir_, "model has no tensor " + canonical);
  return *t;
}

int Model::index_of(const std::string& canonical) const {
  auto it = by_role_.find(canonical);
  return it == by_role_.end() ? -1 : it->second;
}

int64_t Model::parameter_count() const {
  int64_t n = 0;
  for (const auto& t : tensors_) n += t.view->numel();
  return n;
}

}  // namespace lq
