// The transcendental-heavy loops (tanh, erf, exp over whole rows). This file alone is built
// with -ffast-math so that GCC calls glibc's vector exp/tanh/erf (libmvec, <= 4 ulp), which made
// these loops several times faster; it assumes finite inputs (non-finite logits are garbage in,
// garbage out either way). Everything order-sensitive stays in ops.cpp.
#include <algorithm>
#include <cmath>

#include "kernels/ops.h"

namespace lq {

namespace {
// Vector and scalar libm variants may differ in the last bit, so which elements take the vector
// path must not depend on how threads split the range: work is cut into fixed blocks at
// absolute offsets, and each block is always processed the same way.
constexpr int64_t kBlock = 1024;

template <class F>
void map_blocks(float* x, int64_t n, F f) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < (n + kBlock - 1) / kBlock; ++b) {
    float* p = x + b * kBlock;
    const int64_t len = std::min(kBlock, n - b * kBlock);
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) p[i] = f(p[i]);
  }
}
}  // namespace

void gelu_tanh_inplace(float* x, int64_t n) {
  constexpr float k = 0.7978845608028654f;  // sqrt(2 / pi)
  map_blocks(x, n, [](float v) { return 0.5f * v * (1.0f + std::tanh(k * (v + 0.044715f * v * v * v))); });
}

void gelu_erf_inplace(float* x, int64_t n) {
  map_blocks(x, n, [](float v) { return 0.5f * v * (1.0f + std::erf(v * 0.7071067811865476f)); });
}

void gelu_bloom_inplace(float* x, int64_t n) {
  map_blocks(x, n, [](float v) { return v * 0.5f * (1.0f + std::tanh(0.79788456f * v * (1.0f + 0.044715f * v * v))); });
}

void silu_inplace(float* x, int64_t n) {
  map_blocks(x, n, [](float v) { return v / (1.0f + std::exp(-v)); });
}

void silu_mul_inplace(float* gate, const float* up, int64_t n) {
  // Same fixed blocks as map_blocks (thread-count independent last bits).
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < (n + kBlock - 1) / kBlock; ++b) {
    float* g = gate + b * kBlock;
    const float* u = up + b * kBlock;
    const int64_t len = std::min(kBlock, n - b * kBlock);
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
  }
}

double log_sum_exp(const float* row, int64_t n) {
  float mx = row[0];
  for (int64_t i = 1; i < n; ++i) mx = std::max(mx, row[i]);
  // Float exponentials vectorise (libmvec); partial sums of 1024 terms go to a double total,
  // keeping the relative error near float epsilon for any vocabulary size.
  double total = 0;
  for (int64_t i0 = 0; i0 < n; i0 += 1024) {
    const int64_t i1 = std::min(n, i0 + 1024);
    float part = 0;
#pragma omp simd reduction(+ : part)
    for (int64_t i = i0; i < i1; ++i) part += std::exp(row[i] - mx);
    total += part;
  }
  return mx + std::log(total);
}

double kl_divergence_logp(const float* ref_logp, const float* logp, int64_t n) {
  double total = 0;
  for (int64_t i0 = 0; i0 < n; i0 += 1024) {
    const int64_t i1 = std::min(n, i0 + 1024);
    float part = 0;
#pragma omp simd reduction(+ : part)
    for (int64_t i = i0; i < i1; ++i) part += std::exp(ref_logp[i]) * (ref_logp[i] - logp[i]);
    total += part;
  }
  return std::max(0.0, total);
}

}  // namespace lq
