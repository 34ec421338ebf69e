#include "train/train_ops.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

namespace lq::train {
namespace {

// Attention runs one small GEMM per (sequence, head) on every thread at once; OpenBLAS's own
// threads would only contend with ours there, so it is held at one thread for the duration.
class BlasSingleThreaded {
 public:
  BlasSingleThreaded() : saved_(openblas_get_num_threads()) { openblas_set_num_threads(1); }
  ~BlasSingleThreaded() { openblas_set_num_threads(saved_); }

 private:
  int saved_;
};

const float* ones(int64_t n) {
  static thread_local std::vector<float> v;
  if (static_cast<int64_t>(v.size()) < n) v.assign(static_cast<size_t>(n), 1.0f);
  return v.data();
}

constexpr float kGeluC = 0.7978845608028654f;  // sqrt(2 / pi)
constexpr float kGeluA = 0.044715f;

// tanh through one expf: glibc's tanhf (via expm1f) was a fifth of a training step's time.
// Absolute error ~1e-7, far below what the float32 GELU output resolves anyway.
inline float fast_tanh(float u) { return 2.0f / (1.0f + std::exp(-2.0f * u)) - 1.0f; }

}  // namespace

void add_column_sums(const float* a, int64_t M, int64_t N, float* out) {
  if (M == 0) return;
  cblas_sgemv(CblasRowMajor, CblasTrans, static_cast<int>(M), static_cast<int>(N), 1.0f, a,
              static_cast<int>(N), ones(M), 1, 1.0f, out, 1);
}

void conv1d_forward(const float* x, int64_t M, int64_t in, int64_t out, const float* W, const float* b,
                    float* y) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < M; ++i) std::copy(b, b + out, y + i * out);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(M), static_cast<int>(out),
              static_cast<int>(in), 1.0f, x, static_cast<int>(in), W, static_cast<int>(out), 1.0f, y,
              static_cast<int>(out));
}

void conv1d_backward(const float* x, const float* dy, int64_t M, int64_t in, int64_t out, const float* W,
                     float* dW, float* db, float* dx) {
  const int m = static_cast<int>(M), k = static_cast<int>(in), n = static_cast<int>(out);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, n, m, 1.0f, x, k, dy, n, 1.0f, dW, n);
  add_column_sums(dy, M, out, db);
  if (dx) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, k, n, 1.0f, dy, n, W, n, 0.0f, dx, k);
}

void layer_norm_forward(const float* x, int64_t M, int64_t D, const float* gamma, const float* beta,
                        float eps, float* xhat, float* rstd, float* y) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < M; ++i) {
    const float* r = x + i * D;
    double sum = 0.0;
    for (int64_t j = 0; j < D; ++j) sum += r[j];
    const double mean = sum / static_cast<double>(D);
    double var = 0.0;
    for (int64_t j = 0; j < D; ++j) var += (r[j] - mean) * (r[j] - mean);
    const float rs = static_cast<float>(1.0 / std::sqrt(var / static_cast<double>(D) + eps));
    rstd[i] = rs;
    float* xh = xhat + i * D;
    float* yr = y + i * D;
    const float m = static_cast<float>(mean);
    for (int64_t j = 0; j < D; ++j) {
      xh[j] = (r[j] - m) * rs;
      yr[j] = xh[j] * gamma[j] + beta[j];
    }
  }
}

void layer_norm_backward(const float* dy, const float* xhat, const float* rstd, int64_t M, int64_t D,
                         const float* gamma, float* dgamma, float* dbeta, float* dx, float* scratch) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < M; ++i) {
    const float* g = dy + i * D;
    const float* xh = xhat + i * D;
    float* s = scratch + i * D;
    double a = 0.0, b = 0.0;  // mean(dxhat), mean(dxhat * xhat)
    for (int64_t j = 0; j < D; ++j) {
      const float dxh = g[j] * gamma[j];
      a += dxh;
      b += static_cast<double>(dxh) * xh[j];
      s[j] = g[j] * xh[j];
    }
    const float fa = static_cast<float>(a / static_cast<double>(D));
    const float fb = static_cast<float>(b / static_cast<double>(D));
    float* d = dx + i * D;
    for (int64_t j = 0; j < D; ++j) d[j] += rstd[i] * (g[j] * gamma[j] - fa - xh[j] * fb);
  }
  add_column_sums(scratch, M, D, dgamma);
  add_column_sums(dy, M, D, dbeta);
}

void gelu_new_forward(const float* x, float* y, int64_t n) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    y[i] = 0.5f * v * (1.0f + fast_tanh(kGeluC * (v + kGeluA * v * v * v)));
  }
}

void gelu_new_backward(const float* x, const float* dy, float* dx, int64_t n) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    const float t = fast_tanh(kGeluC * (v + kGeluA * v * v * v));
    const float dt = kGeluC * (1.0f + 3.0f * kGeluA * v * v);
    dx[i] = dy[i] * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * dt);
  }
}

std::vector<int64_t> attention_prob_offsets(const AttentionLayout& a) {
  std::vector<int64_t> off(a.lens.size() + 1, 0);
  for (size_t s = 0; s < a.lens.size(); ++s) off[s + 1] = off[s] + a.n_head * a.lens[s] * a.lens[s];
  return off;
}

void attention_forward(const float* qkv, const AttentionLayout& a, const std::vector<int64_t>& prob_offsets,
                       float* probs, float* out) {
  const int64_t D = a.n_head * a.head_dim, hd = a.head_dim;
  const int64_t n_pairs = static_cast<int64_t>(a.lens.size()) * a.n_head;
  BlasSingleThreaded single;
#pragma omp parallel for schedule(dynamic)
  for (int64_t p = 0; p < n_pairs; ++p) {
    const int64_t s = p / a.n_head, h = p % a.n_head, T = a.lens[s];
    if (T == 0) continue;
    const float* q = qkv + a.starts[s] * 3 * D + h * hd;
    const float* k = q + D;
    const float* v = q + 2 * D;
    float* P = probs + prob_offsets[s] + h * T * T;
    const int t = static_cast<int>(T), d = static_cast<int>(hd), ld = static_cast<int>(3 * D);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, t, d, a.scale, q, ld, k, ld, 0.0f, P, t);
    for (int64_t i = 0; i < T; ++i) {  // causal softmax: row i sees columns 0..i
      float* r = P + i * T;
      float mx = r[0];
      for (int64_t j = 1; j <= i; ++j) mx = std::max(mx, r[j]);
      double sum = 0.0;
      for (int64_t j = 0; j <= i; ++j) {
        r[j] = std::exp(r[j] - mx);
        sum += r[j];
      }
      const float inv = static_cast<float>(1.0 / sum);
      for (int64_t j = 0; j <= i; ++j) r[j] *= inv;
      std::fill(r + i + 1, r + T, 0.0f);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, d, t, 1.0f, P, t, v, ld, 0.0f,
                out + a.starts[s] * D + h * hd, static_cast<int>(D));
  }
}

void attention_backward(const float* qkv, const float* probs, const float* dout, const AttentionLayout& a,
                        const std::vector<int64_t>& prob_offsets, float* dqkv) {
  const int64_t D = a.n_head * a.head_dim, hd = a.head_dim;
  const int64_t n_pairs = static_cast<int64_t>(a.lens.size()) * a.n_head;
  int64_t max_t = 0;
  for (int64_t T : a.lens) max_t = std::max(max_t, T);
  BlasSingleThreaded single;
#pragma omp parallel
  {
    std::vector<float> dP(static_cast<size_t>(max_t * max_t));
#pragma omp for schedule(dynamic)
    for (int64_t p = 0; p < n_pairs; ++p) {
      const int64_t s = p / a.n_head, h = p % a.n_head, T = a.lens[s];
      if (T == 0) continue;
      const int64_t row0 = a.starts[s];
      const float* q = qkv + row0 * 3 * D + h * hd;
      const float* k = q + D;
      const float* v = q + 2 * D;
      float* dq = dqkv + row0 * 3 * D + h * hd;
      float* dk = dq + D;
      float* dv = dq + 2 * D;
      const float* P = probs + prob_offsets[s] + h * T * T;
      const float* dO = dout + row0 * D + h * hd;
      const int t = static_cast<int>(T), d = static_cast<int>(hd), ld = static_cast<int>(3 * D);
      const int ldo = static_cast<int>(D);
      float* G = dP.data();
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, t, d, 1.0f, dO, ldo, v, ld, 0.0f, G, t);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, t, d, t, 1.0f, P, t, dO, ldo, 0.0f, dv, ld);
      // Softmax backward in place: dS = P * (dP - sum_j P dP); masked entries have P = 0.
      for (int64_t i = 0; i < T; ++i) {
        const float* pr = P + i * T;
        float* g = G + i * T;
        double dot = 0.0;
        for (int64_t j = 0; j <= i; ++j) dot += static_cast<double>(pr[j]) * g[j];
        const float fdot = static_cast<float>(dot);
        for (int64_t j = 0; j <= i; ++j) g[j] = pr[j] * (g[j] - fdot);
        std::fill(g + i + 1, g + T, 0.0f);
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, d, t, a.scale, G, t, k, ld, 0.0f, dq, ld);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, t, d, t, a.scale, G, t, q, ld, 0.0f, dk, ld);
    }
  }
}

}  // namespace lq::train
