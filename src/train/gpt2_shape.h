// Hyper-parameters of a trainable GPT-2 (Hugging Face GPT2LMHeadModel): learned positions,
// pre-LayerNorm blocks, gelu_new, Conv1D weights stored [in, out], lm_head tied to wte.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "model/hparams.h"

namespace lq::train {

struct Gpt2Shape {
  int64_t n_vocab = 0, n_ctx = 1024, n_embd = 768, n_head = 12, n_layer = 12;
  int64_t n_ff = 0;                 // 0: 4 * n_embd (GPT-2's n_inner = None)
  float norm_eps = 1e-5f;
  float initializer_range = 0.02f;  // std of the random initialisation (HF's config default)
  std::optional<int32_t> bos_id, eos_id;

  int64_t ff() const { return n_ff > 0 ? n_ff : 4 * n_embd; }
  int64_t head_dim() const { return n_embd / n_head; }
  // Throws lq::Error naming `where` for sizes GPT-2 cannot have.
  void validate(const std::string& where) const;
  // The architecture-neutral form the model stage writes config.json from.
  HParams hparams() const;
  static Gpt2Shape from_hparams(const HParams& h);
};

}  // namespace lq::train
