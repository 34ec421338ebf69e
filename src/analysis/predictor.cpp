#include "analysis/predictor.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "core/error.h"

namespace lq::analysis {
namespace {

using nlohmann::json;

// "base=int4; keep fp16 layers=3 component=mlp" -> "int4".
std::string base_of(const std::string& plan_text) {
  const auto semi = plan_text.find(';');
  std::string head = plan_text.substr(0, semi);
  return head.rfind("base=", 0) == 0 ? head.substr(5) : std::string();
}

const json* group_row(const json& sweep, const std::string& plan, const std::string& group) {
  for (const auto& g : sweep["groups"])
    if (g.value("plan", "") == plan && g.value("group", "") == group) return &g;
  return nullptr;
}

bool is_number(const json& v) { return v.is_number() && std::isfinite(v.get<double>()); }

// Objective of a plan, with its interval; false when the value is missing or the ratio unstable.
bool read_objective(const json& row, const std::string& objective, double& v, double& lo, double& hi) {
  if (row.value(objective + "_unstable", false)) return false;
  if (!row.contains(objective) || !is_number(row[objective])) return false;
  v = row[objective].get<double>();
  lo = row.contains(objective + "_lo") && is_number(row[objective + "_lo"]) ? row[objective + "_lo"].get<double>() : NAN;
  hi = row.contains(objective + "_hi") && is_number(row[objective + "_hi"]) ? row[objective + "_hi"].get<double>() : NAN;
  return true;
}

}  // namespace

const std::vector<std::string>& objective_names() {
  static const std::vector<std::string> n = {"lr_disparity", "delta_bpb_gap", "kl"};
  return n;
}

std::vector<CriticalityTable> criticality_from_sweep(const json& sweep, const std::string& objective,
                                                     const std::string& group, const std::string& where) {
  if (std::find(objective_names().begin(), objective_names().end(), objective) == objective_names().end())
    fail("--objective " + objective, "unknown objective (lr_disparity, delta_bpb_gap or kl)");
  if (!sweep.is_object() || !sweep.contains("plans") || !sweep["plans"].is_array() || !sweep.contains("groups") ||
      !sweep["groups"].is_array())
    fail(where, "is not a sweep or eval JSON (needs 'plans' and 'groups')");
  bool has_group = false;
  for (const auto& g : sweep["groups"]) has_group |= g.value("group", "") == group;
  if (!has_group) fail(where, "has no rows for language group '" + group + "'");

  // Single-layer plans, per component; plans[0] is full precision.
  std::vector<CriticalityTable> tables;
  std::string layer_base;
  const auto& plans = sweep["plans"];
  for (size_t i = 1; i < plans.size(); ++i) {
    const json& p = plans[i];
    const json tags = p.value("tags", json::object());
    if (tags.value("axis", "") != "layers" || !tags.contains("layer") || !tags["layer"].is_number_integer()) continue;
    const std::string comp = tags.value("component", "");
    auto it = std::find_if(tables.begin(), tables.end(), [&](const auto& t) { return t.component == comp; });
    if (it == tables.end()) {
      tables.push_back({});
      tables.back().component = comp;
      it = tables.end() - 1;
    }
    const std::string name = p.value("name", "");
    if (layer_base.empty()) layer_base = base_of(p.value("plan", ""));
    const json* row = group_row(sweep, name, group);
    LayerCriticality lc;
    lc.layer = tags["layer"].get<int>();
    lc.plan = name;
    if (!row || !read_objective(*row, objective, lc.objective, lc.objective_lo, lc.objective_hi)) {
      it->skipped.push_back(name);
      continue;
    }
    for (const auto& q : it->layers)
      if (q.layer == lc.layer) fail(where, "has two plans protecting layer " + std::to_string(lc.layer) + " (" + q.plan + ", " + name + ")");
    it->layers.push_back(lc);
  }
  if (tables.empty()) fail(where, "has no plan tagged with a single layer (run a sweep with a layers axis, e.g. --recipe per-layer-mlp)");

  // The base-only plan: no keep rule, same base as the layer plans.
  std::string baseline;
  double base_v = NAN, lo, hi;
  for (size_t i = 1; i < plans.size() && baseline.empty(); ++i) {
    const std::string text = plans[i].value("plan", "");
    if (text.find(';') != std::string::npos || base_of(text) != layer_base) continue;
    const json* row = group_row(sweep, plans[i].value("name", ""), group);
    if (row && read_objective(*row, objective, base_v, lo, hi)) baseline = plans[i].value("name", "");
  }
  for (auto& t : tables) {
    std::sort(t.layers.begin(), t.layers.end(), [](const auto& a, const auto& b) { return a.layer < b.layer; });
    t.baseline = baseline;
    if (baseline.empty()) {
      double s = 0;
      for (const auto& l : t.layers) s += l.objective;
      t.baseline_objective = t.layers.empty() ? NAN : s / static_cast<double>(t.layers.size());
    } else {
      t.baseline_objective = base_v;
    }
    for (auto& l : t.layers) l.criticality = t.baseline_objective - l.objective;
  }
  return tables;
}

std::vector<PredictorSeries> weight_predictors(const json& stats, const std::string& where) {
  if (!stats.is_object() || !stats.contains("layers") || !stats["layers"].is_array())
    fail(where, "is not a 'langquant stats' JSON (needs a 'layers' array)");
  static const char* kFields[] = {"variance",          "kurtosis",       "skewness",        "max_abs",
                                  "outliers_3sigma",   "outliers_5sigma", "outliers_10sigma", "top_0.01pct_share",
                                  "top_1pct_share",    "top_10pct_share", "quant_rel_error", "quant_mse"};
  std::vector<PredictorSeries> out;
  for (const char* f : kFields) {
    PredictorSeries s{f, {}};
    for (const auto& l : stats["layers"]) {
      if (!l.contains("layer") || !l["layer"].is_number_integer()) fail(where, "has a layer entry without an integer 'layer'");
      if (l.contains(f) && is_number(l[f])) s.by_layer[l["layer"].get<int>()] = l[f].get<double>();
    }
    if (!s.by_layer.empty()) out.push_back(std::move(s));
  }
  return out;
}

std::vector<PredictorSeries> component_predictors(const json& stats, const std::string& component,
                                                  const std::string& where) {
  if (component.empty()) return {};
  if (!stats.is_object() || !stats.contains("tensors") || !stats["tensors"].is_array())
    fail(where, "is not a 'langquant stats' JSON (needs a 'tensors' array)");
  const std::string stats_comp = component == "attn" ? "attention" : component;
  const bool by_component = component == "mlp" || component == "attn";
  struct Acc {
    double n = 0, e1 = 0, e2 = 0, e3 = 0, e4 = 0, max_abs = 0, sq_err = 0;
    bool quant = true, moments = true;
  };
  std::map<int, Acc> acc;
  for (const auto& t : stats["tensors"]) {
    if (t.value("kind", "") != "weight" || !t.contains("layer") || !t["layer"].is_number_integer()) continue;
    const int layer = t["layer"].get<int>();
    if (layer < 0) continue;
    const std::string name = t.value("name", "");
    const bool match = by_component ? t.value("component", "") == stats_comp
                                    : name.rfind("blk." + std::to_string(layer) + "." + component + ".", 0) == 0;
    if (!match || !t.contains("n") || !is_number(t["n"])) continue;
    Acc& a = acc[layer];
    const double n = t["n"].get<double>();
    auto get = [&](const char* k) { return t.contains(k) && is_number(t[k]) ? t[k].get<double>() : NAN; };
    // Raw moments of the tensor from its mean and central moments.
    const double mu = get("mean"), m2 = get("variance");
    double m3 = get("skewness") * std::pow(m2, 1.5), m4 = (get("kurtosis") + 3) * m2 * m2;
    if (m2 == 0) m3 = m4 = 0;  // constant tensor: skewness and kurtosis are NaN, moments are 0
    if (!std::isfinite(mu) || !std::isfinite(m2) || !std::isfinite(m3) || !std::isfinite(m4)) a.moments = false;
    a.n += n;
    a.e1 += n * mu;
    a.e2 += n * (m2 + mu * mu);
    a.e3 += n * (m3 + 3 * mu * m2 + mu * mu * mu);
    a.e4 += n * (m4 + 4 * mu * m3 + 6 * mu * mu * m2 + mu * mu * mu * mu);
    a.max_abs = std::max(a.max_abs, get("max_abs"));
    const double mse = get("quant_mse");
    if (std::isfinite(mse)) a.sq_err += n * mse;
    else a.quant = false;
  }
  std::vector<PredictorSeries> out;
  for (const char* f : {"variance", "skewness", "kurtosis", "max_abs", "quant_mse", "quant_rel_error"})
    out.push_back({component + "." + f, {}});
  for (const auto& [layer, a] : acc) {
    const double mu = a.e1 / a.n, E2 = a.e2 / a.n, E3 = a.e3 / a.n, E4 = a.e4 / a.n;
    const double var = E2 - mu * mu;
    const double m3 = E3 - 3 * mu * E2 + 2 * mu * mu * mu;
    const double m4 = E4 - 4 * mu * E3 + 6 * mu * mu * E2 - 3 * mu * mu * mu * mu;
    if (a.moments) {
      out[0].by_layer[layer] = var;
      if (var > 0) {
        out[1].by_layer[layer] = m3 / std::pow(var, 1.5);
        out[2].by_layer[layer] = m4 / (var * var) - 3;
      }
    }
    out[3].by_layer[layer] = a.max_abs;
    if (a.quant) {
      out[4].by_layer[layer] = a.sq_err / a.n;
      if (a.e2 > 0) out[5].by_layer[layer] = std::sqrt(a.sq_err / a.e2);
    }
  }
  std::erase_if(out, [](const auto& s) { return s.by_layer.empty(); });
  return out;
}

std::vector<PredictorSeries> tensor_predictors(const json& stats, const std::string& where) {
  if (!stats.is_object() || !stats.contains("tensors") || !stats["tensors"].is_array()) return {};
  std::set<std::string> roles;
  for (const auto& t : stats["tensors"]) {
    if (!t.is_object() || t.value("kind", "") != "weight") continue;
    const std::string name = t.contains("name") && t["name"].is_string() ? t["name"].get<std::string>() : "";
    // blk.<digits>.<role>.weight
    if (name.rfind("blk.", 0) != 0) continue;
    const size_t dot = name.find('.', 4), end = name.rfind(".weight");
    if (dot == std::string::npos || end == std::string::npos || end <= dot + 1 || end + 7 != name.size()) continue;
    const std::string role = name.substr(dot + 1, end - dot - 1);
    if (role != "mlp" && role != "attn" && role.find('.') == std::string::npos) roles.insert(role);
  }
  std::vector<PredictorSeries> out;
  for (const auto& role : roles)
    for (auto& p : component_predictors(stats, role, where)) out.push_back(std::move(p));
  return out;
}

std::vector<PredictorSeries> activation_predictors(const json& act, const std::string& where) {
  if (!act.is_object() || !act.contains("languages") || !act["languages"].is_array() || act["languages"].empty())
    fail(where, "is not a 'langquant activations' JSON (needs a 'languages' array)");
  static const char* kFields[] = {"rms", "max_abs", "kurtosis", "plan_rel_error"};
  std::vector<PredictorSeries> out;
  const size_t n_lang = act["languages"].size();
  for (const char* f : kFields) {
    std::map<int, std::pair<double, size_t>> sum;  // layer -> (sum, languages with a value)
    for (const auto& lang : act["languages"])
      for (const auto& l : lang.value("layers", json::array()))
        if (l.contains("layer") && l["layer"].is_number_integer() && l.contains(f) && is_number(l[f])) {
          auto& s = sum[l["layer"].get<int>()];
          s.first += l[f].get<double>();
          s.second += 1;
        }
    PredictorSeries s{std::string("act_") + f, {}};
    for (const auto& [layer, acc] : sum)
      if (acc.second == n_lang) s.by_layer[layer] = acc.first / static_cast<double>(n_lang);
    if (!s.by_layer.empty()) out.push_back(std::move(s));
  }
  return out;
}

std::vector<int> top_k(const std::vector<double>& v, int k, int direction) {
  std::vector<int> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return direction * v[a] > direction * v[b]; });
  idx.resize(std::min(idx.size(), static_cast<size_t>(std::max(k, 0))));
  return idx;
}

int top_k_overlap(const std::vector<double>& pred, const std::vector<double>& crit, int k, int direction) {
  const auto a = top_k(pred, k, direction), b = top_k(crit, k, 1);
  int n = 0;
  for (int i : a) n += std::count(b.begin(), b.end(), i) > 0;
  return n;
}

std::vector<PredictorResult> evaluate_predictors(const CriticalityTable& t, const std::vector<PredictorSeries>& preds,
                                                 int k, const CorrelationOptions& opt) {
  std::vector<PredictorResult> out;
  for (const auto& p : preds) {
    PredictorResult r;
    r.name = p.name;
    for (const auto& l : t.layers) {
      auto it = p.by_layer.find(l.layer);
      if (it == p.by_layer.end()) continue;
      r.layers.push_back(l.layer);
      r.x.push_back(it->second);
      r.y.push_back(l.criticality);
    }
    if (r.layers.size() < 3) continue;
    r.pearson = pearson(r.x, r.y, opt);
    r.spearman = spearman(r.x, r.y, opt);
    r.direction = r.spearman.r < 0 ? -1 : 1;  // NaN compares false: +1
    r.k = std::min(k, static_cast<int>(r.layers.size()));
    // A constant predictor ranks nothing: its overlap would only reflect the tie order.
    r.overlap = std::isnan(r.spearman.r) ? -1 : top_k_overlap(r.x, r.y, r.k, r.direction);
    out.push_back(std::move(r));
  }
  sort_by_spearman(out);
  return out;
}

}  // namespace lq::analysis
