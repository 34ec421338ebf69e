// A GPT-2 (exactly Hugging Face GPT2LMHeadModel) held as F32 parameters and gradients under
// their Hugging Face names, with a training forward and backward.
//
// Memory: the forward keeps each block's input (n_layer + 1 matrices [rows, n_embd]). What
// the backward needs inside a block (LayerNorm statistics, QKV, attention probabilities, MLP
// activations: about 16 * rows * n_embd floats plus n_head * T^2 per sequence) is either kept
// for every block, or kept for none and recomputed block by block during the backward (one
// extra forward, ~1/3 more compute, activation memory of one block instead of n_layer).
// Recompute::Auto keeps everything while it fits activation_budget_bytes, which is the fast
// choice for small models and the only workable one for large batches of large models. The
// output head never materialises [rows, n_vocab]: logits, softmax and their gradient are
// formed a chunk of rows at a time.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "train/gpt2_shape.h"

namespace lq::train {

struct ParamInfo {
  std::string name;  // Hugging Face name, e.g. "transformer.h.0.attn.c_attn.weight"
  std::vector<int64_t> shape;
  int64_t offset = 0, numel = 0;  // into the flat parameter / gradient arrays
};

enum class Recompute { Auto, Never, Always };

class Gpt2Trainable {
 public:
  ~Gpt2Trainable();
  Gpt2Trainable(Gpt2Trainable&&) noexcept;
  Gpt2Trainable& operator=(Gpt2Trainable&&) noexcept;

  static Gpt2Trainable from_checkpoint(const std::string& dir);
  // Weights as HF's GPT2PreTrainedModel._init_weights: N(0, initializer_range) matrices and
  // embeddings, c_proj weights N(0, initializer_range / sqrt(2 n_layer)), LayerNorm 1 / 0,
  // biases 0. Deterministic in seed.
  static Gpt2Trainable init_random(const Gpt2Shape& shape, uint64_t seed);

  // Sum of -log p over the predicted tokens of each sequence (targets = ids shifted by one),
  // gradients of (loss / n_predicted) accumulated into grads(); returns {sum_nll, n_predicted}.
  // seq_nll, when given, receives each sequence's own sum of -log p.
  std::pair<double, int64_t> forward_backward(const std::vector<std::vector<int32_t>>& seqs,
                                              std::vector<double>* seq_nll = nullptr);
  void zero_grad();

  std::vector<std::string> names() const;
  float* param(const std::string& name);
  float* grad(const std::string& name);
  const float* param(const std::string& name) const;
  const float* grad(const std::string& name) const;
  int64_t numel(const std::string& name) const;
  const std::vector<int64_t>& shape_of(const std::string& name) const;

  // Every parameter in a fixed order over one flat array (what the optimizer walks).
  const std::vector<ParamInfo>& params() const { return params_; }
  float* param_data() { return values_.data(); }
  float* grad_data() { return grads_.data(); }
  const float* param_data() const { return values_.data(); }
  const float* grad_data() const { return grads_.data(); }
  int64_t parameter_count() const { return static_cast<int64_t>(values_.size()); }
  const Gpt2Shape& shape() const { return shape_; }

  void set_recompute(Recompute r) { recompute_ = r; }
  void set_activation_budget_bytes(int64_t b) { activation_budget_bytes_ = b; }
  // Whether a batch of these sequence lengths recomputes block activations (after Auto).
  bool recomputes(const std::vector<int64_t>& lens) const;

  // config.json, model.safetensors (F32, save_pretrained's names) and tokenizer.json, each
  // written atomically; transformers' from_pretrained loads the folder.
  void save_checkpoint(const std::string& dir, const std::string& tokenizer_json_text) const;

 private:
  explicit Gpt2Trainable(const Gpt2Shape& shape);
  const ParamInfo& info(const std::string& name) const;
  const float* P(const std::string& name) const { return param(name); }
  float* G(const std::string& name) { return grad(name); }

  Gpt2Shape shape_;
  std::vector<ParamInfo> params_;
  std::map<std::string, size_t> index_;
  std::vector<float> values_, grads_;
  Recompute recompute_ = Recompute::Auto;
  int64_t activation_budget_bytes_ = int64_t{2} << 30;
  struct Workspace;  // activation buffers reused from batch to batch
  std::unique_ptr<Workspace> ws_;
};

// "transformer.h.<l>.<suffix>"
std::string block_param(int layer, const std::string& suffix);

}  // namespace lq::train
