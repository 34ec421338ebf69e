#include "analysis/weight_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>

#include "analysis/moments.h"
#include "analysis/top_share.h"
#include "core/error.h"
#include "core/progress.h"
#include "quant/plan_resolve.h"
#include "quant/simulate.h"

namespace lq::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kSigmas[3] = {3, 5, 10};

// What a layer or component pools from its tensors in the first pass.
struct Pool {
  Moments moments;
  double max_abs = 0, sum_abs = 0, err2 = 0, w2 = 0;
  int64_t zeros = 0, quant_n = 0;
  bool any_quant = false;
  std::unique_ptr<StreamingTopSums> top = std::make_unique<StreamingTopSums>();
};

double median_of(std::vector<float>& a) {
  const size_t n = a.size(), mid = n / 2;
  std::nth_element(a.begin(), a.begin() + mid, a.end());
  const double upper = a[mid];
  if (n % 2) return upper;
  const double lower = *std::max_element(a.begin(), a.begin() + mid);
  return (lower + upper) / 2;
}

TensorStats tensor_stats(const TensorInfo& t, const quant::Format& format, Pool* pools[2]) {
  TensorStats ts;
  ts.tensor = &t;
  WeightStats& s = ts.stats;
  std::vector<float> w = quant::logical_values(t);
  const int64_t n = static_cast<int64_t>(w.size()), rows = quant::logical_rows(t), cols = quant::logical_cols(t);
  s.n = n;
  if (n == 0) fail(t.hf_name, "empty tensor");
  int64_t arg = 0, zeros = 0;
  double sum_abs = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(w[i]))
      fail(t.hf_name, "non-finite value at row " + std::to_string(i / cols) + ", column " + std::to_string(i % cols));
    const double a = std::abs(w[i]);
    sum_abs += a;
    zeros += w[i] == 0;
    if (a > s.max_abs) s.max_abs = a, arg = i;
  }
  const Moments m = Moments::of(w.data(), n);
  s.mean = m.mean;
  s.variance = m.variance();
  s.skewness = m.skewness();
  s.kurtosis = m.excess_kurtosis();
  const double sd = std::sqrt(s.variance), tiny = 1e-6 * s.max_abs;
  std::array<int64_t, 3> out{};
  int64_t near = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = std::abs(w[i] - m.mean);
    for (int k = 0; k < 3; ++k) out[k] += d > kSigmas[k] * sd;
    near += std::abs(w[i]) < tiny;
  }
  for (int k = 0; k < 3; ++k) s.outliers[k] = static_cast<double>(out[k]) / n;
  s.sparsity = static_cast<double>(zeros) / n;
  s.near_zero = static_cast<double>(near) / n;

  for (Pool* p : {pools[0], pools[1]})
    if (p) {
      p->moments.merge(m);
      p->max_abs = std::max(p->max_abs, s.max_abs);
      p->sum_abs += sum_abs;
      p->zeros += zeros;
      p->top->add_pass1(w.data(), n);
    }

  // Quantization error (before |w| overwrites anything).
  bool fits = true;
  try {
    quant::check_shape(format, rows, cols);
  } catch (const Error& e) {
    fits = false;
    ts.quant_note = e.what();
  }
  if (fits) {
    const std::vector<float> q = quant::fake_quantize(format, w, rows, cols);
    double e2 = 0, w2 = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double d = static_cast<double>(w[i]) - q[i];
      e2 += d * d;
      w2 += static_cast<double>(w[i]) * w[i];
    }
    s.quant_rel_error = w2 > 0 ? std::sqrt(e2 / w2) : kNaN;  // undefined for an all-zero tensor
    s.quant_mse = e2 / n;
    for (Pool* p : {pools[0], pools[1]})
      if (p) p->err2 += e2, p->w2 += w2, p->quant_n += n, p->any_quant = true;
  }

  ts.super_weight.value = w[arg];
  ts.super_weight.row = arg / cols;
  ts.super_weight.col = arg % cols;
  for (float& x : w) x = std::abs(x);
  const auto sums = top_sums(w);
  for (int k = 0; k < 3; ++k) s.top_share[k] = sum_abs > 0 ? sums[k] / sum_abs : kNaN;
  ts.super_weight.median_abs = median_of(w);
  ts.super_weight.ratio = ts.super_weight.median_abs > 0 ? s.max_abs / ts.super_weight.median_abs
                                                          : std::numeric_limits<double>::infinity();
  return ts;
}

// Second pass over a group's tensors: outliers against the pooled mean and std, near-zeros
// against the pooled maximum, and the radix selection's lower bits.
void finish_group(const std::vector<TensorStats>& tensors, GroupStats& g, Pool& p,
                  Progress& progress) {
  WeightStats& s = g.stats;
  s.n = static_cast<int64_t>(p.moments.n);
  s.mean = p.moments.mean;
  s.variance = p.moments.variance();
  s.skewness = p.moments.skewness();
  s.kurtosis = p.moments.excess_kurtosis();
  s.max_abs = p.max_abs;
  s.sparsity = static_cast<double>(p.zeros) / s.n;
  if (p.any_quant) {
    s.quant_rel_error = p.w2 > 0 ? std::sqrt(p.err2 / p.w2) : kNaN;
    s.quant_mse = p.err2 / p.quant_n;
  }
  p.top->finish_pass1();
  const double sd = std::sqrt(s.variance), tiny = 1e-6 * s.max_abs;
  std::array<int64_t, 3> out{};
  int64_t near = 0;
  std::vector<float> chunk(1 << 16);
  for (int ti : g.tensors) {
    const TensorView& v = *tensors[ti].tensor->view;
    const int64_t n = v.numel();
    for (int64_t off = 0; off < n; off += static_cast<int64_t>(chunk.size())) {
      const int64_t len = std::min<int64_t>(chunk.size(), n - off);
      convert_to_f32(v, off, len, chunk.data());
      for (int64_t i = 0; i < len; ++i) {
        const double d = std::abs(chunk[i] - s.mean);
        for (int k = 0; k < 3; ++k) out[k] += d > kSigmas[k] * sd;
        near += std::abs(chunk[i]) < tiny;
      }
      p.top->add_pass2(chunk.data(), len);
      progress.advance(len);
    }
  }
  for (int k = 0; k < 3; ++k) s.outliers[k] = static_cast<double>(out[k]) / s.n;
  s.near_zero = static_cast<double>(near) / s.n;
  const auto sums = p.top->finish();
  for (int k = 0; k < 3; ++k) s.top_share[k] = p.sum_abs > 0 ? sums[k] / p.sum_abs : kNaN;
  p.top.reset();
}

}  // namespace

ModelStats weight_stats(const Model& model, const quant::Format& format, bool pool_all, bool quiet) {
  ModelStats ms;
  ms.format = quant::canonical_name(format);
  ms.pool_all = pool_all;
  auto pooled = [&](const TensorInfo& t) { return pool_all || t.kind == TensorKind::Weight; };
  const auto& infos = model.tensors();
  int64_t total = 0, in_layers = 0;
  std::map<int, size_t> layer_index;
  std::map<Component, size_t> comp_index;
  for (const auto& t : infos) {
    total += t.view->numel();
    if (!pooled(t)) continue;
    if (t.layer >= 0) in_layers += t.view->numel();
    if (t.layer >= 0) layer_index.emplace(t.layer, 0);
    comp_index.emplace(t.component, 0);
  }
  for (auto& [layer, idx] : layer_index) {
    idx = ms.layers.size();
    ms.layers.push_back({std::to_string(layer), layer, {}, {}});
  }
  for (auto& [c, idx] : comp_index) {
    idx = ms.components.size();
    ms.components.push_back({std::string(component_name(c)), -1, {}, {}});
  }
  std::vector<Pool> layer_pools(ms.layers.size()), comp_pools(ms.components.size());

  // Pass 1 reads each tensor once; pass 2 reads layer tensors and then every tensor again.
  int64_t in_groups = 0;
  for (const auto& t : infos) in_groups += pooled(t) ? t.view->numel() : 0;
  Progress progress("stats", total + in_groups + in_layers, "weights", quiet);
  for (size_t i = 0; i < infos.size(); ++i) {
    const TensorInfo& t = infos[i];
    Pool* pools[2] = {nullptr, nullptr};
    if (pooled(t)) {
      const size_t ci = comp_index.at(t.component);
      pools[1] = &comp_pools[ci];
      ms.components[ci].tensors.push_back(static_cast<int>(i));
      if (t.layer >= 0) {
        const size_t li = layer_index.at(t.layer);
        pools[0] = &layer_pools[li];
        ms.layers[li].tensors.push_back(static_cast<int>(i));
      }
    }
    ms.tensors.push_back(tensor_stats(t, format, pools));
    progress.advance(t.view->numel());
  }
  for (size_t g = 0; g < ms.layers.size(); ++g) finish_group(ms.tensors, ms.layers[g], layer_pools[g], progress);
  for (size_t g = 0; g < ms.components.size(); ++g)
    finish_group(ms.tensors, ms.components[g], comp_pools[g], progress);
  progress.finish();
  return ms;
}

}  // namespace lq::analysis
