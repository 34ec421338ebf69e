#include "model/workspace.h"

namespace lq {

const char* site_name(Site s) {
  switch (s) {
    case Site::Residual: return "residual";
    case Site::AttnHeads: return "attn_heads";
    case Site::AttnOut: return "attn_out";
    case Site::MlpHidden: return "mlp_hidden";
    case Site::MlpOut: return "mlp_out";
  }
  return "?";
}

float* Workspace::buffer(const std::string& name, size_t n) {
  auto& b = buffers_[name];
  if (b.size() < n) b.resize(n);
  return b.data();
}

}  // namespace lq
