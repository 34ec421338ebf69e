#include "quant/neuron_selection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "core/error.h"
#include "core/json_file.h"
#include "core/schema_version.h"
#include "quant/percent_count.h"

namespace lq::quant {
namespace {

using nlohmann::json;

// A [n_layer][n_ff] array of numbers (null allowed when `nulls`, read as NaN); `what` names it.
std::vector<double> read_grid(const std::string& path, const json& j, const std::string& what, int64_t n_layer,
                              int64_t n_ff, bool nulls) {
  if (!j.is_array() || static_cast<int64_t>(j.size()) != n_layer)
    fail(path, what + " is not an array of " + std::to_string(n_layer) + " layers");
  std::vector<double> out;
  out.reserve(static_cast<size_t>(n_layer * n_ff));
  for (const auto& row : j) {
    if (!row.is_array() || static_cast<int64_t>(row.size()) != n_ff)
      fail(path, what + ": a layer is not an array of " + std::to_string(n_ff) + " units");
    for (const auto& v : row) {
      if (v.is_null() && nulls) out.push_back(std::numeric_limits<double>::quiet_NaN());
      else if (v.is_number() && std::isfinite(v.get<double>())) out.push_back(v.get<double>());
      else fail(path, what + " holds a value that is not a finite number");
    }
  }
  return out;
}

int64_t positive_int(const std::string& path, const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number_integer() || j[key].get<int64_t>() <= 0 ||
      j[key].get<int64_t>() > (int64_t{1} << 24))
    fail(path, std::string("has no valid ") + key + " (a positive integer)");
  return j[key].get<int64_t>();
}

}  // namespace

int ffn_unit_axis(const std::string& canonical) {
  auto ends = [&](const char* s) { return canonical.ends_with(s); };
  if (ends(".ffn_up.weight") || ends(".ffn_gate.weight")) return 1;
  if (ends(".ffn_down.weight")) return 2;
  return 0;
}

NeuronRanking::NeuronRanking(const std::string& path, std::vector<std::string> langs) : path_(path) {
  const json j = read_json_file(path);
  // value("kind", "") would throw a raw type_error on a non-string kind: test the type first.
  if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string() || j["kind"] != "langquant.neurons")
    fail(path, "not a result of `langquant neurons` (kind langquant.neurons)");
  check_schema_version(j, path, "neurons", 1);
  n_layer_ = positive_int(path, j, "n_layer");
  n_ff_ = positive_int(path, j, "n_ff");
  if (!j.contains("threshold") || !j["threshold"].is_number()) fail(path, "has no threshold");
  const double threshold = j["threshold"].get<double>();
  if (!j.contains("languages") || !j["languages"].is_array() || j["languages"].empty())
    fail(path, "has no languages");

  std::set<std::string> wanted(langs.begin(), langs.end()), seen;
  const size_t n = static_cast<size_t>(n_layer_ * n_ff_);
  std::vector<double> best(n, -1.0);  // largest probability over the target languages
  for (const auto& l : j["languages"]) {
    if (!l.is_object() || !l.contains("lang") || !l["lang"].is_string()) fail(path, "a language has no name");
    const std::string name = l["lang"].get<std::string>();
    seen.insert(name);
    if (!wanted.empty() && !wanted.count(name)) continue;
    const auto p = read_grid(path, l.value("probability", json()), "probability of " + name, n_layer_, n_ff_, false);
    for (size_t i = 0; i < n; ++i) best[i] = std::max(best[i], p[i]);
  }
  for (const auto& w : wanted)
    if (!seen.count(w)) fail(path, "has no language '" + w + "'");
  const auto lape = read_grid(path, j.value("lape", json()), "lape", n_layer_, n_ff_, true);

  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), int64_t{0});
  auto key = [&](int64_t u) {
    const double l = lape[static_cast<size_t>(u)];
    return std::make_tuple(best[static_cast<size_t>(u)] >= threshold ? 0 : 1, std::isnan(l) ? 1 : 0,
                           std::isnan(l) ? 0.0 : l);
  };
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return key(a) < key(b); });
  rank_.assign(n, 0);
  for (size_t r = 0; r < n; ++r) rank_[static_cast<size_t>(order[r])] = static_cast<int64_t>(r);
}

std::vector<std::vector<int64_t>> NeuronRanking::select(const Model& model, const std::vector<int>& tensors,
                                                        double percent, bool global) const {
  // The layers in play and, for each, its units ordered by rank.
  std::set<int64_t> layers;
  for (int i : tensors) {
    const TensorInfo& t = model.tensors()[i];
    const int axis = ffn_unit_axis(t.canonical);
    if (axis == 0 || !t.is_matrix()) continue;
    const int64_t units = axis == 1 ? t.out_dim() : t.in_dim();
    if (t.layer < 0 || t.layer >= n_layer_ || units != n_ff_)
      fail(path_, "describes " + std::to_string(n_layer_) + " layers x " + std::to_string(n_ff_) +
                      " units, but the model's " + t.canonical + " has " + std::to_string(units) + " units");
    layers.insert(t.layer);
  }
  auto by_rank = [&](std::vector<std::pair<int64_t, int64_t>>& units) {  // (layer, unit)
    std::sort(units.begin(), units.end(), [&](const auto& a, const auto& b) {
      return rank(a.first, a.second) < rank(b.first, b.second);
    });
  };
  std::vector<std::vector<char>> keep(static_cast<size_t>(n_layer_));
  for (int64_t l : layers) keep[static_cast<size_t>(l)].assign(static_cast<size_t>(n_ff_), 0);
  if (global) {
    std::vector<std::pair<int64_t, int64_t>> all;
    for (int64_t l : layers)
      for (int64_t u = 0; u < n_ff_; ++u) all.emplace_back(l, u);
    by_rank(all);
    const int64_t need = percent_count(percent, static_cast<int64_t>(all.size()));
    for (int64_t k = 0; k < need; ++k) keep[static_cast<size_t>(all[k].first)][static_cast<size_t>(all[k].second)] = 1;
  } else {
    const int64_t need = percent_count(percent, n_ff_);
    for (int64_t l : layers) {
      std::vector<std::pair<int64_t, int64_t>> units;
      for (int64_t u = 0; u < n_ff_; ++u) units.emplace_back(l, u);
      by_rank(units);
      for (int64_t k = 0; k < need; ++k) keep[static_cast<size_t>(l)][static_cast<size_t>(units[k].second)] = 1;
    }
  }

  std::vector<std::vector<int64_t>> out(tensors.size());
  for (size_t k = 0; k < tensors.size(); ++k) {
    const TensorInfo& t = model.tensors()[tensors[k]];
    const int axis = ffn_unit_axis(t.canonical);
    if (axis == 0 || !t.is_matrix()) continue;
    const auto& kept = keep[static_cast<size_t>(t.layer)];
    const int64_t rows = t.out_dim(), cols = t.in_dim();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        if (kept[static_cast<size_t>(axis == 1 ? r : c)]) out[k].push_back(r * cols + c);
  }
  return out;
}

}  // namespace lq::quant
