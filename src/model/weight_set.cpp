#include "model/weight_set.h"

#include "core/error.h"

namespace lq {

WeightSet::WeightSet(const Model& model)
    : model_(&model),
      vectors_(model.tensors().size()),
      overrides_(model.tensors().size()),
      decoders_(model.tensors().size()) {
  for (size_t i = 0; i < model.tensors().size(); ++i) {
    const TensorInfo& t = model.tensors()[i];
    if (t.view->shape.size() != 1) continue;
    std::vector<float> v = to_f32(*t.view);
    // Canonical values from a Hugging Face checkpoint's convention (Gemma's norms: 1 + w).
    if (!model.gguf() && t.hf_values) t.hf_values->to_canonical(v.data(), static_cast<int64_t>(v.size()));
    vectors_[i] = std::make_shared<const std::vector<float>>(std::move(v));
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
  } else if (decoders_[i]) {
    m.decoder = decoders_[i].get();
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
  matrix_row(canonical, r, dst);  // embedding tables are stored [rows, n_embd]: out-major
}

void WeightSet::matrix_row(const std::string& canonical, int64_t r, float* dst) const {
  const MatrixRef m = matrix(canonical);
  if (r < 0 || r >= m.out) fail(model_->dir(), canonical + ": row " + std::to_string(r) + " out of range");
  if (m.decoder) {
    m.decoder->decode_rows(r, 1, dst);
    return;
  }
  if (m.in_major) {
    TensorView v;
    v.dtype = m.dtype;
    v.data = static_cast<const std::byte*>(m.data);
    v.name = canonical;
    for (int64_t k = 0; k < m.in; ++k) convert_to_f32(v, static_cast<size_t>(k * m.out + r), 1, dst + k);
    return;
  }
  TensorView v;
  v.dtype = m.dtype;
  v.data = static_cast<const std::byte*>(m.data);
  v.name = canonical;
  convert_to_f32(v, static_cast<size_t>(r * m.in), static_cast<size_t>(m.in), dst);
}

void WeightSet::override_matrix(int index, SharedDecoder values) {
  const TensorInfo& t = model_->tensors().at(index);
  if (!t.is_matrix()) fail(model_->dir(), t.canonical + ": only matrices take a compressed override");
  if (values->rows() != t.out_dim() || values->cols() != t.in_dim())
    fail(model_->dir(), t.canonical + ": compressed override has the wrong shape");
  overrides_[index].reset();
  decoders_[index] = std::move(values);
}

size_t WeightSet::override_bytes() const {
  size_t n = 0;
  for (size_t i = 0; i < overrides_.size(); ++i) {
    if (overrides_[i]) n += overrides_[i]->size() * sizeof(float);
    if (decoders_[i]) n += decoders_[i]->bytes();
  }
  return n;
}

void WeightSet::override_tensor(int index, SharedFloats values) {
  const TensorInfo& t = model_->tensors().at(index);
  if (static_cast<int64_t>(values->size()) != t.view->numel())
    fail(model_->dir(), t.canonical + ": override has the wrong number of values");
  decoders_[index].reset();
  overrides_[index] = std::move(values);
}

}  // namespace lq
