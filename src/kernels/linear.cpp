#include "kernels/linear.h"

#include <cblas.h>

#include <omp.h>

#include <algorithm>

#include "core/error.h"
#include "core/half.h"
#include "core/tensor_view.h"

namespace lq {
namespace {
constexpr size_t kSlabFloats = size_t(16) << 20;  // 64 MiB of converted weights at a time

float load(const MatrixRef& W, int64_t idx) {
  switch (W.dtype) {
    case DType::F32: return static_cast<const float*>(W.data)[idx];
    case DType::F16: return f16_to_f32(static_cast<const uint16_t*>(W.data)[idx]);
    case DType::BF16: return bf16_to_f32(static_cast<const uint16_t*>(W.data)[idx]);
    default: {  // block types: expand the element's block (the reference path, slow by design)
      const int64_t bs = dtype_block_size(W.dtype), start = idx / bs * bs;
      float block[256];
      TensorView v;
      v.dtype = W.dtype;
      v.data = static_cast<const std::byte*>(W.data);
      convert_to_f32(v, static_cast<size_t>(start), static_cast<size_t>(bs), block);
      return block[idx - start];
    }
  }
}

// Expands elements [first, first + count) of a stored F16/BF16 or ggml-block matrix to F32, in
// pieces across the threads (a 262k-row quantized output head is expanded for every batch).
// first and count are whole rows, so ggml blocks are never split.
void convert(const MatrixRef& W, int64_t first, int64_t count, float* dst) {
  TensorView v;
  v.name = "weight matrix";
  v.dtype = W.dtype;
  v.data = static_cast<const std::byte*>(W.data);
  const int64_t row = W.in_major ? W.out : W.in;
  const int64_t rows = count / row;
#pragma omp parallel for schedule(static) if (rows >= 64)
  for (int64_t r = 0; r < rows; ++r)
    convert_to_f32(v, static_cast<size_t>(first + r * row), static_cast<size_t>(row), dst + r * row);
}
// While alive, OpenBLAS runs single-threaded (restored after).
class BlasSingleThreaded {
 public:
  BlasSingleThreaded() : saved_(openblas_get_num_threads()) { openblas_set_num_threads(1); }
  ~BlasSingleThreaded() { openblas_set_num_threads(saved_); }
  BlasSingleThreaded(const BlasSingleThreaded&) = delete;
  BlasSingleThreaded& operator=(const BlasSingleThreaded&) = delete;

 private:
  int saved_;
};

// y[M, N] = x[M, K] B (+ beta y), B stored [K, N] (trans_b false) or [N, K] (true), with the
// columns of y split across the OpenMP threads and OpenBLAS single-threaded inside each part.
// One thread pool instead of two: with OpenBLAS's own threads, its workers spun in
// sched_yield while OpenMP's spun waiting for the next parallel loop, and on two cores the
// two pools took ~25% of a 2-thread eval (perf, issue 12). Each element of y is the same
// K-ordered sum whichever part computes it, so the split does not change the result.
void sgemm_columns(bool trans_b, int64_t M, int64_t N, int64_t K, const float* x, int64_t ldx,
                   const float* B, int64_t ldb, float beta, float* y, int64_t ldy) {
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  constexpr int64_t kAlign = 64;  // part widths stay whole multiples of the kernels' tiles
  const int64_t part = (N + threads - 1) / threads;
  const int64_t width = (part + kAlign - 1) / kAlign * kAlign;
  const int parts = static_cast<int>((N + width - 1) / width);
  if (threads == 1 || parts < 2 || M * N * K < (int64_t(1) << 21)) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M, N, K, 1.0f, x, ldx, B,
                ldb, beta, y, ldy);
    return;
  }
  BlasSingleThreaded single;
#pragma omp parallel for num_threads(parts) schedule(static, 1)
  for (int p = 0; p < parts; ++p) {
    const int64_t n0 = p * width, n = std::min(width, N - n0);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M, n, K, 1.0f, x, ldx,
                trans_b ? B + n0 * ldb : B + n0, ldb, beta, y + n0, ldy);
  }
}
}  // namespace

float* LinearScratch::get(size_t n) {
  if (buf_.size() < n) buf_.resize(n);
  return buf_.data();
}

void linear(const float* x, int64_t M, const MatrixRef& W, const float* bias, float* y,
            LinearScratch& scratch) {
  const int64_t N = W.out, K = W.in;
  if (M == 0) return;
  if (bias)
    for (int64_t m = 0; m < M; ++m) std::copy(bias, bias + N, y + m * N);
  const float beta = bias ? 1.0f : 0.0f;
  if (!W.decoder && W.dtype == DType::F32) {
    const auto* w = static_cast<const float*>(W.data);
    if (W.in_major)  // W stored [K, N]
      sgemm_columns(false, M, N, K, x, K, w, N, beta, y, N);
    else  // W stored [N, K]
      sgemm_columns(true, M, N, K, x, K, w, K, beta, y, N);
    return;
  }
  if (!W.decoder && !dtype_is_weight(W.dtype)) fail("linear", "unsupported weight dtype");
  if (!W.decoder && W.in_major && dtype_is_block(W.dtype)) fail("linear", "block-quantized matrices are stored [out, in]");
  if (W.in_major && !W.decoder) {
    // Slabs of whole input rows [k0, k0+kc) x N; accumulate partial products into y.
    const int64_t kc = std::max<int64_t>(1, static_cast<int64_t>(kSlabFloats) / N);
    float* slab = scratch.get(static_cast<size_t>(std::min(kc, K) * N));
    for (int64_t k0 = 0; k0 < K; k0 += kc) {
      const int64_t k = std::min(kc, K - k0);
      convert(W, k0 * N, k * N, slab);
      sgemm_columns(false, M, N, k, x + k0, K, slab, N, (k0 == 0) ? beta : 1.0f, y, N);
    }
  } else {
    // Slabs of whole output rows [n0, n0+nc) x K; each writes its own columns of y.
    const int64_t nc = std::max<int64_t>(1, static_cast<int64_t>(kSlabFloats) / K);
    float* slab = scratch.get(static_cast<size_t>(std::min(nc, N) * K));
    for (int64_t n0 = 0; n0 < N; n0 += nc) {
      const int64_t n = std::min(nc, N - n0);
      if (W.decoder)
        W.decoder->decode_rows(n0, n, slab);
      else
        convert(W, n0 * K, n * K, slab);
      sgemm_columns(true, M, n, K, x, K, slab, K, beta, y + n0, N);
    }
  }
}

void linear_reference(const float* x, int64_t M, const MatrixRef& W, const float* bias, float* y) {
  if (W.decoder) {  // the reference reads decoded rows one at a time
    std::vector<float> row(static_cast<size_t>(W.in));
    for (int64_t o = 0; o < W.out; ++o) {
      W.decoder->decode_rows(o, 1, row.data());
      for (int64_t m = 0; m < M; ++m) {
        double acc = bias ? bias[o] : 0.0;
        for (int64_t i = 0; i < W.in; ++i) acc += double(x[m * W.in + i]) * row[i];
        y[m * W.out + o] = static_cast<float>(acc);
      }
    }
    return;
  }
  for (int64_t m = 0; m < M; ++m)
    for (int64_t o = 0; o < W.out; ++o) {
      double acc = bias ? bias[o] : 0.0;
      for (int64_t i = 0; i < W.in; ++i) acc += double(x[m * W.in + i]) * load(W, W.index(o, i));
      y[m * W.out + o] = static_cast<float>(acc);
    }
}

}  // namespace lq
