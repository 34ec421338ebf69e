#include "model/weight_set.h"

#include "core/error.h"

namespace lq {

WeightSet::WeightSet(const Model& model)
    : model_(&model),
      vectors_(model.tensors().size()),
      overrides_(model.tensors().size()),
      half_overrides_(model.tensors().size()) {
  for (size_t i = 0; i < model.tensors().size(); ++i) {
    const TensorInfo& t = model.tensors()[i];
    if (t.view->shape.size() == 1) vectors_[i] = std::make_shared<const std::vector<float>>(to_f32(*t.view));
  }
}

MatrixRef WeightSet::matrix(const std::string& canonical) const {
  const int i = model_->index_of(canonical);
  if (i < 0) fail(model_->dir(), "model has no tensor " + canonical);
  const TensorInfo& t = model_->tensors()[i];
  if (!t.is_matrix()) fail(model_->dir(), canonical + " is not a matrix");
  MatrixRef m;
  m.out = t.out_dim();
  m.in = t.in_dim();
  if (overrides_[i]) {
    m.data = overrides_[i]->data();
    m.dtype = DType::F32;
    m.in_major = false;
  } else if (half_overrides_[i]) {
    m.data = half_overrides_[i]->data();
    m.dtype = DType::F16;
    m.in_major = false;
  } else {
    m.data = t.view->data;
    m.dtype = t.view->dtype;
    m.in_major = t.in_major;
  }
  return m;
}

const float* WeightSet::vector(const std::string& canonical) const {
  const int i = model_->index_of(canonical);
  if (i < 0) return nullptr;
  if (overrides_[i]) return overrides_[i]->data();
  return vectors_[i] ? vectors_[i]->data() : nullptr;
}

void WeightSet::embedding_row(const std::string& canonical, int64_t r, float* dst) const {
  const MatrixRef m = matrix(canonical);  // embedding tables are stored [rows, n_embd]: out-major
  if (r < 0 || r >= m.out) fail(model_->dir(), canonical + ": row " + std::to_string(r) + " out of range");
  TensorView v;
  v.dtype = m.dtype;
  v.data = static_cast<const std::byte*>(m.data);
  v.name = canonical;
  convert_to_f32(v, static_cast<size_t>(r * m.in), static_cast<size_t>(m.in), dst);
}

void WeightSet::override_matrix_f16(int index, SharedHalves values) {
  const TensorInfo& t = model_->tensors().at(index);
  if (!t.is_matrix()) fail(model_->dir(), t.canonical + ": only matrices take an F16 override");
  if (static_cast<int64_t>(values->size()) != t.view->numel())
    fail(model_->dir(), t.canonical + ": override has the wrong number of values");
  overrides_[index].reset();
  half_overrides_[index] = std::move(values);
}

void WeightSet::override_tensor(int index, SharedFloats values) {
  const TensorInfo& t = model_->tensors().at(index);
  if (static_cast<int64_t>(values->size()) != t.view->numel())
    fail(model_->dir(), t.canonical + ": override has the wrong number of values");
  half_overrides_[index].reset();
  overrides_[index] = std::move(values);
}

}  // namespace lq
