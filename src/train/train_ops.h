// The F32 forward and backward operations of GPT-2 training. Every matrix product goes through
// cblas_sgemm; row-wise work is parallel over rows with OpenMP (each row's result is
// independent of the thread count). Backward functions accumulate (+=) into weight gradients
// so that several batches can be summed, and overwrite (=) activation gradients.
#pragma once
#include <cstdint>
#include <vector>

namespace lq::train {

// Conv1D as GPT-2 stores it: y[M, out] = x[M, in] W[in, out] + b.
void conv1d_forward(const float* x, int64_t M, int64_t in, int64_t out, const float* W, const float* b,
                    float* y);
// dW += x^T dy, db += column sums of dy, dx = dy W^T (dx may be null: not needed).
void conv1d_backward(const float* x, const float* dy, int64_t M, int64_t in, int64_t out, const float* W,
                     float* dW, float* db, float* dx);

// y = xhat * gamma + beta with xhat = (x - mean) * rstd, rstd = 1/sqrt(biased var + eps).
// Keeps xhat [M, D] and rstd [M] for the backward.
void layer_norm_forward(const float* x, int64_t M, int64_t D, const float* gamma, const float* beta,
                        float eps, float* xhat, float* rstd, float* y);
// dgamma += sum dy*xhat, dbeta += sum dy; dx += the input gradient (added: residual streams).
// scratch: M * D floats.
void layer_norm_backward(const float* dy, const float* xhat, const float* rstd, int64_t M, int64_t D,
                         const float* gamma, float* dgamma, float* dbeta, float* dx, float* scratch);

// GPT-2's gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
void gelu_new_forward(const float* x, float* y, int64_t n);
// dx = dy * gelu_new'(x) (dx may alias dy).
void gelu_new_backward(const float* x, const float* dy, float* dx, int64_t n);

// Causal multi-head self-attention over packed sequences: sequence s owns rows
// [starts[s], starts[s] + lens[s]). qkv rows are [q | k | v], each n_head * head_dim wide;
// out is [M, n_head * head_dim]. probs receives every (sequence, head)'s softmax matrix
// [T, T] at offset prob_offsets[s] + h * T * T (see attention_prob_offsets).
struct AttentionLayout {
  std::vector<int64_t> starts, lens;
  int64_t n_head = 1, head_dim = 1;
  float scale = 1.0f;
};
// Offsets of each sequence's probabilities and (last entry) the total floats needed.
std::vector<int64_t> attention_prob_offsets(const AttentionLayout& a);
void attention_forward(const float* qkv, const AttentionLayout& a, const std::vector<int64_t>& prob_offsets,
                       float* probs, float* out);
// dqkv (overwritten) from dout [M, n_head * head_dim].
void attention_backward(const float* qkv, const float* probs, const float* dout, const AttentionLayout& a,
                        const std::vector<int64_t>& prob_offsets, float* dqkv);

// out[j] += sum_i a[i, j] over M rows of N columns.
void add_column_sums(const float* a, int64_t M, int64_t N, float* out);

}  // namespace lq::train
