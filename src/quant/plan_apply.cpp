#include "quant/plan_apply.h"

#include <algorithm>
#include <functional>
#include <tuple>

#include "core/error.h"

#include "quant/quantized_matrix.h"
#include "quant/simulate.h"

namespace lq::quant {
namespace {

// Each element group's kept elements: their original values quantized at the group's format
// as one row of their own. Indices are sorted within a group and groups are disjoint.
void group_values(const ResolvedTensor& r, const std::vector<float>& w,
                  const std::function<void(const ElementGroup&, std::vector<float>&)>& use) {
  for (const auto& g : r.groups) {
    std::vector<float> kept(g.indices.size());
    for (size_t j = 0; j < kept.size(); ++j) kept[j] = w[g.indices[j]];
    fake_quantize_vector(g.format, kept.data(), kept.data(), static_cast<int64_t>(kept.size()));
    use(g, kept);
  }
}

bool compressible(const Format& f) { return f.kind != Kind::F32; }

}  // namespace

bool keeps_stored_values(const ResolvedTensor& r, const TensorInfo& t) {
  if (!r.groups.empty()) return false;
  switch (r.format.kind) {
    case Kind::F32: return true;
    case Kind::F16: return t.view->dtype == DType::F16;
    case Kind::BF16: return t.view->dtype == DType::BF16;
    default: return false;
  }
}

std::vector<float> quantized_values(const ResolvedTensor& r, const TensorInfo& t) {
  if (r.quant_weights) {  // importance weights: the one writer that takes them
    const auto q = quantized_matrix(r, t);
    std::vector<float> out(static_cast<size_t>(q->rows() * q->cols()));
    q->decode_rows(0, q->rows(), out.data());
    return out;
  }
  const std::vector<float> w = logical_values(t);
  std::vector<float> out(w.size());
  fake_quantize(r.format, w.data(), out.data(), logical_rows(t), logical_cols(t));
  group_values(r, w, [&](const ElementGroup& g, std::vector<float>& kept) {
    for (size_t j = 0; j < kept.size(); ++j) out[g.indices[j]] = kept[j];
  });
  return out;
}

SharedDecoder quantized_matrix(const ResolvedTensor& r, const TensorInfo& t) {
  if (!t.is_matrix() || !compressible(r.format)) fail(t.canonical, "not a matrix in a compressed format");
  if (t.view->numel() > int64_t(UINT32_MAX)) fail(t.canonical, "more than 2^32 elements: too large to patch");
  const std::vector<float> w = logical_values(t);
  auto q = QuantizedMatrix::encode(r.format, w.data(), logical_rows(t), logical_cols(t),
                                   r.quant_weights ? r.quant_weights->data() : nullptr);
  if (!r.groups.empty()) {
    std::vector<std::pair<uint32_t, float>> patches;
    group_values(r, w, [&](const ElementGroup& g, std::vector<float>& kept) {
      for (size_t j = 0; j < kept.size(); ++j) patches.emplace_back(static_cast<uint32_t>(g.indices[j]), kept[j]);
    });
    std::sort(patches.begin(), patches.end());
    std::vector<uint32_t> idx(patches.size());
    std::vector<float> val(patches.size());
    for (size_t i = 0; i < patches.size(); ++i) std::tie(idx[i], val[i]) = patches[i];
    q->set_patches(std::move(idx), std::move(val));
  }
  return q;
}

std::string cache_key(const ResolvedTensor& r, const TensorInfo& t) {
  std::string key = t.canonical + "|" + canonical_name(r.format);
  if (r.quant_weights) {
    key += "|imatrix:";
    key += std::to_string(r.quant_weights_hash);
  }
  for (const auto& g : r.groups) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (int64_t i : g.indices) h = (h ^ static_cast<uint64_t>(i)) * 0x100000001b3ull;
    key += "|" + canonical_name(g.format) + ":" + std::to_string(g.indices.size()) + ":" + std::to_string(h);
  }
  return key;
}

WeightSet build_weight_set(const Model& model, const ResolvedPlan& rp, QuantCache& cache) {
  WeightSet ws(model);
  for (const auto& r : rp.tensors) {
    const TensorInfo& t = model.tensors()[r.index];
    if (keeps_stored_values(r, t)) continue;
    if (t.is_matrix() && compressible(r.format)) {
      ws.override_matrix(r.index, cache.get_matrix(cache_key(r, t), [&] { return quantized_matrix(r, t); }));
      continue;
    }
    ws.override_tensor(r.index, cache.get(cache_key(r, t), [&] {
      return std::make_shared<const std::vector<float>>(quantized_values(r, t));
    }));
  }
  return ws;
}

}  // namespace lq::quant
