#include "train/adamw.h"

#include <cmath>

#include "core/error.h"

namespace lq::train {

AdamW::AdamW(int64_t n, std::vector<uint8_t> decay, const AdamWOptions& opt)
    : opt_(opt), decay_(std::move(decay)), m_(static_cast<size_t>(n), 0.0f), v_(static_cast<size_t>(n), 0.0f) {
  if (static_cast<int64_t>(decay_.size()) != n) fail("AdamW", "decay mask size differs from the parameter count");
}

void AdamW::step(float* params, const float* grads, double lr) {
  ++t_;
  // PyTorch forms the scalars in double (Python floats) and applies them to float tensors.
  const float b1 = static_cast<float>(opt_.beta1), b2 = static_cast<float>(opt_.beta2);
  const float one_b1 = static_cast<float>(1.0 - opt_.beta1), one_b2 = static_cast<float>(1.0 - opt_.beta2);
  const double bc1 = 1.0 - std::pow(opt_.beta1, static_cast<double>(t_));
  const double bc2 = 1.0 - std::pow(opt_.beta2, static_cast<double>(t_));
  const float step_size = static_cast<float>(lr / bc1);
  const float bc2_sqrt = static_cast<float>(std::sqrt(bc2));
  const float decay = static_cast<float>(1.0 - lr * opt_.weight_decay);
  const float eps = static_cast<float>(opt_.eps);
  const auto n = static_cast<int64_t>(m_.size());
  float* m = m_.data();
  float* v = v_.data();
  const uint8_t* dm = decay_.data();
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    if (dm[i]) params[i] *= decay;
    const float g = grads[i];
    m[i] = m[i] * b1 + g * one_b1;
    v[i] = v[i] * b2 + g * g * one_b2;
    const float denom = std::sqrt(v[i]) / bc2_sqrt + eps;
    params[i] -= step_size * (m[i] / denom);
  }
}

double clip_grad_norm(float* grads, const std::vector<int64_t>& tensor_sizes, double max_norm) {
  double sum_sq = 0.0;
  int64_t off = 0;
  for (int64_t n : tensor_sizes) {
    double s = 0.0;
#pragma omp parallel for reduction(+ : s) schedule(static)
    for (int64_t i = 0; i < n; ++i) s += static_cast<double>(grads[off + i]) * grads[off + i];
    sum_sq += s;
    off += n;
  }
  const double norm = std::sqrt(sum_sq);
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0) {
    const float c = static_cast<float>(coef);
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < off; ++i) grads[i] *= c;
  }
  return norm;
}

}  // namespace lq::train
