#include "quant/plan_apply.h"

#include "core/half.h"
#include "quant/simulate.h"

namespace lq::quant {

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
  const std::vector<float> w = logical_values(t);
  std::vector<float> out(w.size());
  fake_quantize(r.format, w.data(), out.data(), logical_rows(t), logical_cols(t));
  for (const auto& g : r.groups) {
    std::vector<float> kept(g.indices.size());
    for (size_t j = 0; j < kept.size(); ++j) kept[j] = w[g.indices[j]];
    fake_quantize_vector(g.format, kept.data(), kept.data(), static_cast<int64_t>(kept.size()));
    for (size_t j = 0; j < kept.size(); ++j) out[g.indices[j]] = kept[j];
  }
  return out;
}

std::string cache_key(const ResolvedTensor& r, const TensorInfo& t) {
  std::string key = t.canonical + "|" + canonical_name(r.format);
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
    if (r.format.kind == Kind::F16 && r.groups.empty() && t.is_matrix()) {
      // Kept at fp16: binary16 storage is exact and half the size of F32.
      ws.override_matrix_f16(r.index, cache.get_half(cache_key(r, t), [&] {
        const std::vector<float> w = logical_values(t);
        auto h = std::make_shared<std::vector<uint16_t>>(w.size());
        for (size_t i = 0; i < w.size(); ++i) (*h)[i] = f32_to_f16(w[i]);
        return SharedHalves(std::move(h));
      }));
      continue;
    }
    ws.override_tensor(r.index, cache.get(cache_key(r, t), [&] {
      return std::make_shared<const std::vector<float>>(quantized_values(r, t));
    }));
  }
  return ws;
}

}  // namespace lq::quant
