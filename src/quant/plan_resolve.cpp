#include "quant/plan_resolve.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>

#include "core/error.h"
#include "formats/safetensors.h"
#include "quant/imatrix.h"
#include "quant/llama_mixture.h"
#include "quant/neuron_selection.h"
#include "quant/percent_count.h"

namespace lq::quant {
namespace {

uint32_t abs_key(float v) {  // |v| as bits: monotone in |v| for finite values (NaN above inf)
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return b & 0x7fffffffu;
}

// A tensor's ranking values in logical order: its weights (ranked by |w|) or its importance.
using ScoreFn = std::function<std::vector<float>(const TensorInfo&)>;

// Exactly K elements of largest |score| over the concatenation of `tensors` (in that order),
// ties to the lower position. Radix select on the bit pattern of |score|: two histogram passes
// (high then low 16 bits), no copy of all values.
std::vector<std::vector<int64_t>> top_k(const Model& m, const std::vector<int>& tensors, double percent,
                                        const ScoreFn& values) {
  int64_t n = 0;
  for (int i : tensors) n += m.tensors()[i].view->numel();
  int64_t need = percent_count(percent, n);
  std::vector<std::vector<int64_t>> out(tensors.size());
  if (need == 0) return out;
  uint32_t prefix = 0;
  int64_t above = 0;  // elements strictly above the threshold found so far
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<int64_t> hist(65536, 0);
    for (int i : tensors) {
      const auto v = values(m.tensors()[i]);
      for (float x : v) {
        const uint32_t k = abs_key(x);
        if (pass == 0) ++hist[k >> 16];
        else if ((k >> 16) == (prefix >> 16)) ++hist[k & 0xffffu];
      }
    }
    // Highest bucket b with (count above b) < need <= (count at or above b).
    int64_t acc = above;
    int b = 65535;
    for (; b > 0; --b) {
      if (acc + hist[b] >= need) break;
      acc += hist[b];
    }
    above = acc;
    prefix |= pass == 0 ? static_cast<uint32_t>(b) << 16 : static_cast<uint32_t>(b);
  }
  int64_t ties = need - above;  // elements equal to the threshold, taken by position
  for (size_t t = 0; t < tensors.size(); ++t) {
    const auto v = values(m.tensors()[tensors[t]]);
    for (int64_t j = 0; j < static_cast<int64_t>(v.size()); ++j) {
      const uint32_t k = abs_key(v[j]);
      if (k > prefix || (k == prefix && ties-- > 0)) out[t].push_back(j);
    }
  }
  return out;
}

// The importance file of `langquant fisher` (train/fisher.h): tensors "<set>/<canonical>" in
// logical order. A score is the max over the chosen sets of F_set / mean(F_set), the mean taken
// over every tensor of that set in the file.
class FisherScores {
 public:
  FisherScores(const std::string& path, std::vector<std::string> sets) : file_(path), sets_(std::move(sets)) {
    const auto& meta = file_.metadata();
    auto fmt = meta.find("format");
    if (fmt == meta.end() || fmt->second != "langquant-fisher-1")
      fail(path, "not an importance file of `langquant fisher` (metadata format langquant-fisher-1)");
    if (sets_.empty()) {  // every language: the sets that are neither groups nor max
      for (const auto& s : split_commas(meta.count("sets") ? meta.at("sets") : ""))
        if (s != "max" && !s.starts_with("group:")) sets_.push_back(s);
    }
    for (const auto& s : sets_) {
      double sum = 0;
      int64_t n = 0;
      for (const auto& [name, view] : file_.tensors()) {
        if (!name.starts_with(s + "/")) continue;
        for (float x : to_f32(view)) sum += x;
        n += view.numel();
      }
      if (n == 0) fail(path, "has no importance set '" + s + "' (sets: " + meta.at("sets") + ")");
      inv_mean_.push_back(sum > 0 ? static_cast<double>(n) / sum : 0.0);
    }
  }

  std::vector<float> scores(const TensorInfo& t) const {
    std::vector<float> out(static_cast<size_t>(t.view->numel()), 0.0f);
    for (size_t s = 0; s < sets_.size(); ++s) {
      const auto it = file_.tensors().find(sets_[s] + "/" + t.canonical);
      if (it == file_.tensors().end())
        fail(file_.path(), "has no importance tensor " + sets_[s] + "/" + t.canonical);
      if (it->second.numel() != t.view->numel())
        fail(file_.path(), it->first + " has " + std::to_string(it->second.numel()) + " values, the model's tensor " +
                               std::to_string(t.view->numel()));
      const auto v = to_f32(it->second);
      for (size_t i = 0; i < v.size(); ++i)
        out[i] = std::max(out[i], static_cast<float>(v[i] * inv_mean_[s]));
    }
    return out;
  }

 private:
  static std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> out;
    for (size_t a = 0; a <= s.size();) {
      size_t b = s.find(',', a);
      if (b == std::string::npos) b = s.size();
      if (b > a) out.push_back(s.substr(a, b - a));
      a = b + 1;
    }
    return out;
  }

  SafetensorsFile file_;
  std::vector<std::string> sets_;
  std::vector<double> inv_mean_;
};

uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// Exactly ceil(k% * n) of n positions, uniformly (Knuth's selection sampling, Algorithm S):
// position i is taken with probability (still needed) / (still left). Deterministic per seed.
std::vector<std::vector<int64_t>> random_k(const Model& m, const std::vector<int>& tensors, double percent,
                                           uint64_t seed, bool global) {
  std::vector<std::vector<int64_t>> out(tensors.size());
  auto sample = [](uint64_t state, const std::vector<int64_t>& sizes, double percent,
                   std::vector<std::vector<int64_t>>& dst, size_t first) {
    int64_t left = 0;
    for (int64_t s : sizes) left += s;
    int64_t need = percent_count(percent, left);
    for (size_t t = 0; t < sizes.size(); ++t)
      for (int64_t j = 0; j < sizes[t]; ++j, --left) {
        if (need == 0) return;
        const double u = static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
        if (u * static_cast<double>(left) < static_cast<double>(need)) {
          dst[first + t].push_back(j);
          --need;
        }
      }
  };
  if (global) {
    std::vector<int64_t> sizes;
    for (int i : tensors) sizes.push_back(m.tensors()[i].view->numel());
    sample(seed, sizes, percent, out, 0);
  } else {
    for (size_t t = 0; t < tensors.size(); ++t) {
      const TensorInfo& ti = m.tensors()[tensors[t]];
      std::vector<std::vector<int64_t>> one(1);
      sample(seed ^ fnv1a(ti.canonical), {ti.view->numel()}, percent, one, 0);
      out[t] = std::move(one[0]);
    }
  }
  return out;
}

// Removes from `g` every index in `taken` (both sorted).
void subtract(std::vector<int64_t>& g, const std::vector<int64_t>& taken) {
  std::vector<int64_t> rest;
  std::set_difference(g.begin(), g.end(), taken.begin(), taken.end(), std::back_inserter(rest));
  g.swap(rest);
}

}  // namespace

int64_t ResolvedTensor::kept_elements() const {
  int64_t n = 0;
  for (const auto& g : groups) n += static_cast<int64_t>(g.indices.size());
  return n;
}

int64_t logical_rows(const TensorInfo& t) { return t.is_matrix() ? t.out_dim() : 1; }
int64_t logical_cols(const TensorInfo& t) { return t.is_matrix() ? t.in_dim() : t.view->numel(); }

std::vector<float> logical_values(const TensorInfo& t) {
  std::vector<float> v = to_f32(*t.view);
  if (!t.is_matrix() || !t.in_major) return v;
  const int64_t in = t.view->dim(0), out = t.view->dim(1);  // stored [in, out]
  std::vector<float> r(v.size());
  for (int64_t i = 0; i < in; ++i)
    for (int64_t o = 0; o < out; ++o) r[o * in + i] = v[i * out + o];
  return r;
}

Format fit_format(const Format& f, const TensorInfo& t, bool* fell_back) {
  const int64_t cols = logical_cols(t);
  const bool bad = is_ggml_block(f.kind) && cols % ggml_block_weights(f.kind) != 0;
  if (fell_back) *fell_back = bad;
  if (!bad) return f;
  const char* to = nullptr;
  switch (f.kind) {
    case Kind::Q2_K:
    case Kind::Q3_K: to = "q4_0"; break;
    case Kind::Q4_K: to = "q5_0"; break;
    case Kind::Q5_K: to = "q5_1"; break;
    case Kind::Q6_K: to = "q8_0"; break;
    case Kind::IQ4_XS: to = "iq4_nl"; break;
    default: break;
  }
  if (to && cols % 32 == 0) return parse_format(to);
  return parse_format(t.is_matrix() ? "fp16" : "fp32");
}

namespace {

// A mixture base: the types llama-quantize writes, with the plan's whole-tensor rules as its
// --tensor-type overrides (which, as in llama.cpp, also stop the layer counters for that tensor).
void apply_mixture(ResolvedPlan& rp, const Model& model) {
  const Plan& plan = rp.plan;
  const MixtureModel mm = mixture_model(model);
  MixtureOptions opt;
  opt.pure = plan.pure;
  opt.output_type = plan.output_type;
  opt.token_embd_type = plan.token_embd_type;
  const auto alone = llama_mixture_types(plan.mixture, mm, opt);
  opt.manual.resize(rp.tensors.size());
  for (size_t i = 0; i < rp.tensors.size(); ++i)
    if (rp.tensors[i].rule >= 0) opt.manual[i] = rp.tensors[i].format;
  const auto chosen = llama_mixture_types(plan.mixture, mm, opt);
  for (size_t i = 0; i < rp.tensors.size(); ++i) {
    auto& r = rp.tensors[i];
    r.format = chosen[i].format;
    r.fallback = chosen[i].fallback;
    r.reason = chosen[i].reason;
    r.mixture_format = alone[i].format;
    r.as_stored = !chosen[i].quantized;
    if (!chosen[i].quantized) r.rule = -1;  // llama-quantize overrides only tensors it quantizes
  }
}

// llama-quantize's lookup: by the tensor's GGUF name; a missing entry quantizes without
// weights; a wrong size is an error except on token_embd (its input is a token id, never a
// matmul input, so an entry of another width is a known artefact).
void attach_imatrix(ResolvedPlan& rp, const Model& model) {
  rp.imatrix = std::make_shared<const Imatrix>(load_imatrix_spec(rp.plan.imatrix));
  const Imatrix& im = *rp.imatrix;
  for (auto& r : rp.tensors) {
    const TensorInfo& t = model.tensors()[r.index];
    if (!t.is_matrix() || !is_ggml_block(r.format.kind)) continue;
    const ImatrixEntry* e = im.find(t.canonical);
    if (!e) continue;
    if (e->cols != logical_cols(t) || e->n_mat != 1) {
      if (t.canonical == "token_embd.weight") continue;
      fail("imatrix " + rp.plan.imatrix, "entry " + t.canonical + " has " + std::to_string(e->cols) + " columns x " +
                                             std::to_string(e->n_mat) + ", the model's tensor " +
                                             std::to_string(logical_cols(t)) + " columns");
    }
    // As llama-quantize derives them from the file (F32 sums and counts, one F32 division):
    // the same as column_weights for a matrix read from a file, and for a mix (held in double)
    // what llama-quantize reads back from the file save_imatrix writes of it.
    auto w = std::make_shared<std::vector<float>>(static_cast<size_t>(e->cols), 1.0f);
    const auto count = static_cast<float>(e->counts[0]);
    if (count > 0)
      for (int64_t j = 0; j < e->cols; ++j) (*w)[j] = static_cast<float>(e->sum2[j]) / count;
    uint64_t h = 0xcbf29ce484222325ull;
    for (float x : *w) {
      uint32_t b;
      std::memcpy(&b, &x, 4);
      h = (h ^ b) * 0x100000001b3ull;
    }
    r.quant_weights = std::move(w);
    r.quant_weights_hash = h;
  }
}

}  // namespace

ResolvedPlan resolve_plan(const Plan& plan, const Model& model) {
  ResolvedPlan rp;
  rp.plan = plan;
  const int n_layer = static_cast<int>(model.hparams().n_layer);
  const auto& ts = model.tensors();
  for (size_t i = 0; i < ts.size(); ++i) {
    ResolvedTensor r;
    r.index = static_cast<int>(i);
    r.format = plan.base;
    rp.tensors.push_back(std::move(r));
  }
  for (size_t ri = 0; ri < plan.rules.size(); ++ri) {
    const Rule& rule = plan.rules[ri];
    if (!rule.layers.empty()) resolve_layers(rule.layers, n_layer);  // reject out-of-range layers
    std::vector<int> sel;
    for (size_t i = 0; i < ts.size(); ++i)
      if (rule.selects_tensor(ts[i], n_layer)) sel.push_back(static_cast<int>(i));
    if (rule.elements.kind == ElementSelector::None) {
      for (int i : sel) {
        rp.tensors[i].format = rule.format;
        rp.tensors[i].rule = static_cast<int>(ri);
        rp.tensors[i].groups.clear();
      }
      continue;
    }
    std::vector<std::vector<int64_t>> picked;
    if (rule.elements.kind == ElementSelector::Top) {
      ScoreFn score = [](const TensorInfo& t) { return logical_values(t); };
      std::shared_ptr<FisherScores> fisher;
      if (!rule.elements.fisher_file.empty()) {
        fisher = std::make_shared<FisherScores>(rule.elements.fisher_file, rule.elements.fisher_sets);
        score = [fisher](const TensorInfo& t) { return fisher->scores(t); };
      }
      if (!rule.elements.neurons_file.empty()) {
        const NeuronRanking ranking(rule.elements.neurons_file, rule.elements.neurons_langs);
        picked = ranking.select(model, sel, rule.elements.percent, rule.elements.global);
      } else if (rule.elements.global) {
        picked = top_k(model, sel, rule.elements.percent, score);
      } else {
        for (int i : sel) picked.push_back(std::move(top_k(model, {i}, rule.elements.percent, score)[0]));
      }
    } else {
      picked = random_k(model, sel, rule.elements.percent, rule.elements.seed, rule.elements.global);
    }
    for (size_t t = 0; t < sel.size(); ++t) {
      auto& rt = rp.tensors[sel[t]];
      for (auto& g : rt.groups) subtract(g.indices, picked[t]);
      std::erase_if(rt.groups, [](const ElementGroup& g) { return g.indices.empty(); });
      if (!picked[t].empty()) rt.groups.push_back({rule.format, std::move(picked[t]), static_cast<int>(ri)});
    }
  }
  if (!plan.mixture.empty()) apply_mixture(rp, model);
  else
    for (auto& r : rp.tensors) r.format = fit_format(r.format, ts[r.index], &r.fallback);
  if (!plan.imatrix.empty()) attach_imatrix(rp, model);
  return rp;
}

}  // namespace lq::quant
