#include "kernels/ops.h"

#include <algorithm>
#include <cmath>

namespace lq {

void layer_norm(const float* x, int64_t M, int64_t D, const float* gamma, const float* beta,
                float eps, float* out) {
#pragma omp parallel for schedule(static)
  for (int64_t m = 0; m < M; ++m) {
    const float* r = x + m * D;
    double sum = 0;
    for (int64_t d = 0; d < D; ++d) sum += r[d];
    const double mean = sum / D;
    double var = 0;
    for (int64_t d = 0; d < D; ++d) var += (r[d] - mean) * (r[d] - mean);
    const float inv = static_cast<float>(1.0 / std::sqrt(var / D + eps));
    const auto meanf = static_cast<float>(mean);
    float* o = out + m * D;
    for (int64_t d = 0; d < D; ++d) o[d] = (r[d] - meanf) * inv * gamma[d] + (beta ? beta[d] : 0.0f);
  }
}

void rms_norm(const float* x, int64_t M, int64_t D, const float* gamma, float eps, float* out) {
#pragma omp parallel for schedule(static)
  for (int64_t m = 0; m < M; ++m) {
    const float* r = x + m * D;
    double ss = 0;
    for (int64_t d = 0; d < D; ++d) ss += double(r[d]) * r[d];
    const auto inv = static_cast<float>(1.0 / std::sqrt(ss / D + eps));
    float* o = out + m * D;
    for (int64_t d = 0; d < D; ++d) o[d] = gamma[d] * (r[d] * inv);
  }
}


void relu_inplace(float* x, int64_t n) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) x[i] = std::max(x[i], 0.0f);
}

void add_inplace(float* x, const float* y, int64_t n) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

}  // namespace lq
