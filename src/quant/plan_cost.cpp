#include "quant/plan_cost.h"

namespace lq::quant {

PlanCost plan_cost(const ResolvedPlan& rp, const Model& model) {
  PlanCost c;
  const bool mixture = !rp.plan.mixture.empty();
  for (const auto& r : rp.tensors) {
    // With a mixture base, "kept" and "lowered" are measured against the mixture's own choice.
    const Format& base = mixture ? r.mixture_format : rp.plan.base;
    const TensorInfo& t = model.tensors()[r.index];
    const int64_t rows = logical_rows(t), cols = logical_cols(t);
    TensorCost tc;
    tc.params = t.view->numel();
    uint64_t bits = stored_bits(r.format, rows, cols);
    const bool whole_above = !(r.format == base) && r.format.bits >= base.bits;
    const bool whole_below = r.format.bits < base.bits;
    int64_t kept_above = 0, kept_below = 0;
    for (const auto& g : r.groups) {
      const int64_t m = static_cast<int64_t>(g.indices.size());
      bits += stored_bits(g.format, 1, m) + static_cast<uint64_t>(kIndexBits) * static_cast<uint64_t>(m);
      if (g.format.bits >= base.bits && !(g.format == base)) kept_above += m;
      if (g.format.bits < base.bits) kept_below += m;
    }
    tc.kept = whole_above ? tc.params : kept_above;
    tc.lowered = whole_below ? tc.params - kept_above : kept_below;
    tc.bits = bits;
    tc.bytes = (bits + 7) / 8;
    c.params += tc.params;
    c.kept += tc.kept;
    c.lowered += tc.lowered;
    c.bytes += tc.bytes;
    c.base_bytes += stored_bytes(mixture ? base : fit_format(base, t), rows, cols);
    c.fp32_bytes += 4 * static_cast<uint64_t>(tc.params);
    c.checkpoint_bytes += t.view->nbytes;
    c.tensors.push_back(tc);
  }
  return c;
}

}  // namespace lq::quant
