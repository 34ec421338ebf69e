// Element-wise and row-wise operations of a transformer forward pass, all on F32 rows of
// length D, parallel over rows with OpenMP. Row results never depend on the thread count.
#pragma once
#include <cstdint>

namespace lq {

// out = (x - mean) / sqrt(var + eps) * gamma + beta, per row (biased variance, like PyTorch).
void layer_norm(const float* x, int64_t M, int64_t D, const float* gamma, const float* beta,
                float eps, float* out);
// out = x / sqrt(mean(x^2) + eps) * gamma, per row.
void rms_norm(const float* x, int64_t M, int64_t D, const float* gamma, float eps, float* out);

void gelu_tanh_inplace(float* x, int64_t n);  // GPT-2's "gelu_new"
void gelu_erf_inplace(float* x, int64_t n);   // exact GELU ("gelu")
void relu_inplace(float* x, int64_t n);
void silu_inplace(float* x, int64_t n);  // x * sigmoid(x) ("silu" / "swish")
// gate[i] = silu(gate[i]) * up[i]: the SwiGLU feed-forward of Llama-style blocks.
void silu_mul_inplace(float* gate, const float* up, int64_t n);
// BLOOM's bloom_gelu_forward: x * 0.5 * (1 + tanh(0.79788456 x (1 + 0.044715 x^2))).
void gelu_bloom_inplace(float* x, int64_t n);
void add_inplace(float* x, const float* y, int64_t n);  // x += y

// log(sum(exp(row))), float terms summed in double blocks.
double log_sum_exp(const float* row, int64_t n);
// KL(p || q) = sum p (log p - log q) from two rows of log-probabilities; clamped at 0.
double kl_divergence_logp(const float* ref_logp, const float* logp, int64_t n);

}  // namespace lq
