#include "model/tensor_info.h"

#include <cstdlib>

namespace lq {

std::string_view kind_name(TensorKind k) {
  switch (k) {
    case TensorKind::Weight: return "weight";
    case TensorKind::Bias: return "bias";
    case TensorKind::Norm: return "norm";
  }
  return "?";
}

std::string_view component_name(Component c) {
  switch (c) {
    case Component::Embeddings: return "embeddings";
    case Component::Attention: return "attention";
    case Component::Mlp: return "mlp";
    case Component::Output: return "output";
  }
  return "?";
}

TensorKind kind_of(std::string_view n) {
  const auto dot = n.rfind('.');
  const std::string_view base = n.substr(0, dot);
  if (base.size() >= 4 && base.substr(base.size() - 4) == "norm") return TensorKind::Norm;
  if (n.substr(dot + 1) == "bias") return TensorKind::Bias;
  return TensorKind::Weight;
}

int layer_of(std::string_view n) {
  if (n.substr(0, 4) != "blk.") return -1;
  return std::atoi(std::string(n.substr(4)).c_str());
}

Component component_of(std::string_view n) {
  if (n.substr(0, 4) == "blk.") {
    const std::string_view part = n.substr(n.find('.', 4) + 1);
    // Gemma's post_attention_norm normalises the attention output (post_ffw_norm is the MLP's).
    if (part.substr(0, 4) == "attn" || part.substr(0, 19) == "post_attention_norm") return Component::Attention;
    return Component::Mlp;  // ffn_*
  }
  if (n.substr(0, 6) == "output") return Component::Output;
  return Component::Embeddings;
}

}  // namespace lq
