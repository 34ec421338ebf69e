#include "analysis/stats_output.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace lq::analysis {
namespace {

using json = nlohmann::json;

json num(double v) { return std::isfinite(v) ? json(v) : json(); }
json num(const std::optional<double>& v) { return v ? num(*v) : json(); }

// The fields every scope shares, in the order the CSV lists them.
const char* const kFields[] = {"n", "mean", "variance", "skewness", "kurtosis", "max_abs", "outliers_3sigma",
                               "outliers_5sigma", "outliers_10sigma", "top_0.01pct_share", "top_1pct_share",
                               "top_10pct_share", "sparsity", "near_zero", "quant_rel_error", "quant_mse"};

json fields(const WeightStats& s) {
  return {{"n", s.n},
          {"mean", num(s.mean)},
          {"variance", num(s.variance)},
          {"skewness", num(s.skewness)},
          {"kurtosis", num(s.kurtosis)},
          {"max_abs", num(s.max_abs)},
          {"outliers_3sigma", num(s.outliers[0])},
          {"outliers_5sigma", num(s.outliers[1])},
          {"outliers_10sigma", num(s.outliers[2])},
          {"top_0.01pct_share", num(s.top_share[0])},
          {"top_1pct_share", num(s.top_share[1])},
          {"top_10pct_share", num(s.top_share[2])},
          {"sparsity", num(s.sparsity)},
          {"near_zero", num(s.near_zero)},
          {"quant_rel_error", num(s.quant_rel_error)},
          {"quant_mse", num(s.quant_mse)}};
}

std::string csv_cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) {
    std::string s = v.get<std::string>(), q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  }
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v.get<double>());
    return buf;
  }
  return v.dump();
}

}  // namespace

json stats_json(const ModelStats& s, const std::string& model_dir) {
  json j;
  j["model"] = model_dir;
  j["format"] = s.format;
  j["pooled"] = s.pool_all ? "every tensor" : "weight matrices only (kind weight)";
  j["definitions"] = {
      {"variance", "population (divides by n)"},
      {"skewness", "biased, as scipy.stats.skew"},
      {"kurtosis", "excess (Fisher), biased, as scipy.stats.kurtosis"},
      {"outliers_ksigma", "share of weights with |w - mean| > k * std"},
      {"top_share", "share of sum |w| held by the ceil(n * fraction) largest |w|"},
      {"sparsity", "share of exact zeros"},
      {"near_zero", "share of |w| < 1e-6 * max_abs"},
      {"super_weight", "largest |w|; row, col in logical [out, in] order; ratio = |w| / median |w|"},
      {"quant_rel_error", "||w - q(w)||_F / ||w||_F under format (pooled: over tensors the format fits)"},
      {"quant_mse", "mean (w - q(w))^2"},
  };
  j["tensors"] = json::array();
  for (const auto& t : s.tensors) {
    json e = {{"name", t.tensor->canonical},
              {"hf_name", t.tensor->hf_name},
              {"layer", t.tensor->layer},
              {"component", std::string(component_name(t.tensor->component))},
              {"kind", std::string(kind_name(t.tensor->kind))},
              {"shape", t.tensor->view->shape}};
    e.update(fields(t.stats));
    const auto& sw = t.super_weight;
    e["super_weight"] = {{"value", sw.value}, {"row", sw.row}, {"col", sw.col},
                         {"median_abs", sw.median_abs}, {"ratio", num(sw.ratio)}};
    if (!t.quant_note.empty()) e["quant_note"] = t.quant_note;
    j["tensors"].push_back(std::move(e));
  }
  j["layers"] = json::array();
  for (const auto& g : s.layers) {
    json e = {{"layer", g.layer}, {"tensors", g.tensors.size()}};
    e.update(fields(g.stats));
    j["layers"].push_back(std::move(e));
  }
  j["components"] = json::array();
  for (const auto& g : s.components) {
    json e = {{"component", g.name}, {"tensors", g.tensors.size()}};
    e.update(fields(g.stats));
    j["components"].push_back(std::move(e));
  }
  return j;
}

std::string stats_csv(const ModelStats& s) {
  std::ostringstream o;
  o << "scope,name,layer,component,kind";
  for (const char* f : kFields) o << "," << f;
  o << ",super_weight,super_row,super_col,super_ratio\n";
  auto row = [&](const std::string& scope, const std::string& name, int layer, const std::string& comp,
                 const std::string& kind, const WeightStats& st, const SuperWeight* sw) {
    const json f = fields(st);
    o << scope << "," << csv_cell(name) << "," << (layer >= 0 ? std::to_string(layer) : "") << "," << comp << ","
      << kind;
    for (const char* k : kFields) o << "," << csv_cell(f[k]);
    if (sw) o << "," << csv_cell(sw->value) << "," << sw->row << "," << sw->col << "," << csv_cell(num(sw->ratio));
    else o << ",,,,";
    o << "\n";
  };
  for (const auto& t : s.tensors)
    row("tensor", t.tensor->canonical, t.tensor->layer, std::string(component_name(t.tensor->component)),
        std::string(kind_name(t.tensor->kind)), t.stats, &t.super_weight);
  for (const auto& g : s.layers) row("layer", g.name, g.layer, "", "", g.stats, nullptr);
  for (const auto& g : s.components) row("component", g.name, -1, g.name, "", g.stats, nullptr);
  return o.str();
}

std::string stats_markdown(const ModelStats& s, const std::string& model_dir) {
  std::ostringstream o;
  auto f = [](double v, const char* fmt) {
    if (!std::isfinite(v)) return std::string("n/a");
    char buf[32];
    std::snprintf(buf, sizeof buf, fmt, v);
    return std::string(buf);
  };
  o << "# Weight statistics: " << model_dir << "\n\n"
    << "Pooled over " << (s.pool_all ? "every tensor" : "the weight matrices") << " of the layer. Kurtosis: excess (Fisher). Outliers: share of weights with "
       "|w - mean| > k std. Top-k% share: share of sum |w| in the ceil(k% n) largest |w|. Quantization error: "
       "relative Frobenius error under `"
    << s.format << "`.\n\n"
    << "| layer | weights | variance | kurtosis | max abs | >3σ | >5σ | >10σ | top 0.01% | top 1% | top 10% | "
       "zeros | quant error |\n"
    << "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& g : s.layers) {
    const WeightStats& w = g.stats;
    o << "| " << g.layer << " | " << w.n << " | " << f(w.variance, "%.3e") << " | " << f(w.kurtosis, "%.2f") << " | "
      << f(w.max_abs, "%.3g") << " | " << f(100 * w.outliers[0], "%.3f%%") << " | "
      << f(100 * w.outliers[1], "%.4f%%") << " | " << f(100 * w.outliers[2], "%.5f%%") << " | "
      << f(100 * w.top_share[0], "%.2f%%") << " | " << f(100 * w.top_share[1], "%.2f%%") << " | "
      << f(100 * w.top_share[2], "%.2f%%") << " | " << f(100 * w.sparsity, "%.3f%%") << " | "
      << (w.quant_rel_error ? f(*w.quant_rel_error, "%.4f") : std::string("n/a")) << " |\n";
  }
  return o.str();
}

}  // namespace lq::analysis
