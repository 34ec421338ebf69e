#include "model/workspace.h"

namespace lq {

float* Workspace::buffer(const std::string& name, size_t n) {
  auto& b = buffers_[name];
  if (b.size() < n) b.resize(n);
  return b.data();
}

}  // namespace lq
