// AdamW exactly as torch.optim.AdamW (decoupled weight decay, bias-corrected moments, eps
// added after the bias-corrected square root), and global-norm gradient clipping exactly as
// torch.nn.utils.clip_grad_norm_.
#pragma once
#include <cstdint>
#include <vector>

namespace lq::train {

struct AdamWOptions {
  double beta1 = 0.9, beta2 = 0.95, eps = 1e-8, weight_decay = 0.1;
};

class AdamW {
 public:
  // n parameters; decay[i] says whether parameter i gets weight decay (per-parameter so that
  // groups such as "matrices decay, biases and norms do not" need no separate optimizers).
  AdamW(int64_t n, std::vector<uint8_t> decay, const AdamWOptions& opt);
  // One step at learning rate lr: param -= lr * (m_hat / (sqrt(v_hat) + eps) + wd * param),
  // with the decay applied first, as PyTorch does.
  void step(float* params, const float* grads, double lr);

  int64_t steps() const { return t_; }
  // Moments and step count, for saving and resuming.
  std::vector<float>& exp_avg() { return m_; }
  std::vector<float>& exp_avg_sq() { return v_; }
  void set_steps(int64_t t) { t_ = t; }
  const AdamWOptions& options() const { return opt_; }

 private:
  AdamWOptions opt_;
  std::vector<uint8_t> decay_;
  std::vector<float> m_, v_;
  int64_t t_ = 0;
};

// Scales grads so that their global L2 norm (over all n values, the norm of the per-tensor
// norms, as PyTorch) is at most max_norm; returns the norm before clipping. Like PyTorch the
// scale is max_norm / (norm + 1e-6), applied only when below 1.
double clip_grad_norm(float* grads, const std::vector<int64_t>& tensor_sizes, double max_norm);

}  // namespace lq::train
