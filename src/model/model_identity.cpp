#include "model/model_identity.h"

#include <algorithm>

#include "core/content_hash.h"

namespace lq {
namespace {

constexpr size_t kEdge = 4096, kWindow = 64, kWindows = 16;

void sample_bytes(ContentHash& h, const TensorView& v) {
  const size_t n = v.nbytes;
  if (!v.data || n == 0) return;
  if (n <= 2 * kEdge + kWindows * kWindow) {
    h.bytes(v.data, n);
    return;
  }
  h.bytes(v.data, kEdge);
  const size_t span = n - 2 * kEdge - kWindow;
  for (size_t i = 0; i < kWindows; ++i) h.bytes(v.data + kEdge + span * i / (kWindows - 1), kWindow);
  h.bytes(v.data + n - kEdge, kEdge);
}

}  // namespace

std::string model_identity(const Model& model) {
  ContentHash h;
  h.text("langquant-model-identity-1");
  h.text(model.config().model_type());
  h.text(model.config().raw().dump());
  // Sorted by stored name, so the hash does not depend on how a loader orders the table.
  std::vector<const TensorInfo*> tensors;
  for (const auto& t : model.tensors()) tensors.push_back(&t);
  std::sort(tensors.begin(), tensors.end(), [](auto* a, auto* b) { return a->hf_name < b->hf_name; });
  h.u64(tensors.size());
  for (const TensorInfo* t : tensors) {
    h.text(t->hf_name);
    h.text(t->canonical);
    h.u64(static_cast<uint64_t>(t->view->dtype));
    h.u64(t->view->shape.size());
    for (int64_t d : t->view->shape) h.u64(static_cast<uint64_t>(d));
    h.u64(t->view->nbytes);
    sample_bytes(h, *t->view);
  }
  return h.hex();
}

}  // namespace lq
