#include "train/gpt2_shape.h"

#include "core/error.h"

namespace lq::train {

void Gpt2Shape::validate(const std::string& where) const {
  for (auto [what, v] : {std::pair{"vocabulary size", n_vocab}, {"context", n_ctx}, {"d_model", n_embd},
                         {"heads", n_head}, {"layers", n_layer}, {"feed-forward size", ff()}})
    if (v <= 0) fail(where, std::string(what) + " must be positive");
  if (n_embd % n_head != 0)
    fail(where, "d_model " + std::to_string(n_embd) + " is not a multiple of heads " + std::to_string(n_head));
  if (!(norm_eps > 0.0f)) fail(where, "layer_norm_epsilon must be positive");
}

HParams Gpt2Shape::hparams() const {
  HParams h;
  h.n_vocab = n_vocab;
  h.n_ctx = n_ctx;
  h.n_embd = n_embd;
  h.n_head = h.n_head_kv = n_head;
  h.n_layer = n_layer;
  h.n_ff = ff();
  h.norm_eps = norm_eps;
  h.activation = "gelu_new";
  h.bos_id = bos_id;
  h.eos_id = eos_id;
  return h;
}

Gpt2Shape Gpt2Shape::from_hparams(const HParams& h) {
  Gpt2Shape s;
  s.n_vocab = h.n_vocab;
  s.n_ctx = h.n_ctx;
  s.n_embd = h.n_embd;
  s.n_head = h.n_head;
  s.n_layer = h.n_layer;
  s.n_ff = h.n_ff;
  s.norm_eps = h.norm_eps;
  s.bos_id = h.bos_id;
  s.eos_id = h.eos_id;
  return s;
}

}  // namespace lq::train
