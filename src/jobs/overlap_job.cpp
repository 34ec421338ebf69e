#include "jobs/overlap_job.h"

#include "core/error.h"
#include "core/json_error.h"
#include "core/number_text.h"
#include "core/schema_version.h"
#include "model/model.h"
#include "quant/plan.h"
#include "quant/plan_resolve.h"

namespace lq::jobs {
namespace {

// Kept element indices per model tensor under "keep fp16 top=K% ...".
std::vector<std::vector<int64_t>> kept(const Model& m, const std::string& rule) {
  const auto rp = quant::resolve_plan(quant::parse_plan_line("base=fp32; " + rule), m);
  std::vector<std::vector<int64_t>> out(rp.tensors.size());
  for (size_t i = 0; i < rp.tensors.size(); ++i)
    for (const auto& g : rp.tensors[i].groups) out[i].insert(out[i].end(), g.indices.begin(), g.indices.end());
  return out;
}

int64_t intersection(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {  // both sorted
  int64_t n = 0;
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] < b[j]) ++i;
    else if (b[j] < a[i]) ++j;
    else ++n, ++i, ++j;
  }
  return n;
}

double ratio(int64_t a, int64_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0; }

std::string k_text(double k) { return strprintf("%g%%", k); }

}  // namespace

std::string fisher_selector(const std::string& fisher_file, const std::string& sets) {
  return "by=fisher:" + fisher_file + (sets.empty() ? "" : ":" + sets);
}

OverlapResult run_overlap(const OverlapSpec& spec, const JobProgress& progress) {
  if (spec.scope != "tensor" && spec.scope != "global") fail("--scope", "must be tensor or global");
  for (const double k : spec.k)
    if (!(k > 0 && k <= 100)) fail("-k", "each k must be in (0, 100]");
  auto model = Model::load(spec.model);
  const std::string by = " " + fisher_selector(spec.fisher, spec.sets);
  const std::string tail = (spec.select.empty() ? "" : " " + spec.select) + " scope=" + spec.scope;
  const quant::Rule probe = quant::parse_rule("keep fp16 top=1%" + tail);
  const int n_layer = static_cast<int>(model->hparams().n_layer);

  OverlapResult r;
  r.spec = spec;
  for (const double k : spec.k) {
    progress.say("k = " + k_text(k));
    const auto fisher = kept(*model, "keep fp16 top=" + k_text(k) + tail + by);
    const auto magnitude = kept(*model, "keep fp16 top=" + k_text(k) + tail);
    OverlapRow row;
    row.k_percent = k;
    int64_t numel_total = 0;
    for (size_t i = 0; i < model->tensors().size(); ++i) {
      const TensorInfo& t = model->tensors()[i];
      if (!probe.selects_tensor(t, n_layer)) continue;
      OverlapTensor ot;
      ot.tensor = t.canonical;
      ot.numel = t.view->numel();
      ot.selected = static_cast<int64_t>(fisher[i].size());
      ot.also_magnitude = intersection(fisher[i], magnitude[i]);
      ot.fraction = ratio(ot.also_magnitude, ot.selected);
      row.selected += ot.selected;
      row.also_magnitude += ot.also_magnitude;
      numel_total += ot.numel;
      row.tensors.push_back(std::move(ot));
    }
    if (numel_total == 0) fail("--select", "selects no tensor of the model");
    row.fraction = ratio(row.also_magnitude, row.selected);
    row.chance = ratio(row.selected, numel_total);
    r.rows.push_back(std::move(row));
  }
  return r;
}

nlohmann::json OverlapResult::to_json() const {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& row : rows) {
    nlohmann::json tensors = nlohmann::json::array();
    for (const auto& t : row.tensors)
      tensors.push_back({{"tensor", t.tensor}, {"numel", t.numel}, {"selected", t.selected},
                         {"also_magnitude", t.also_magnitude}, {"fraction", t.fraction}});
    results.push_back({{"k_percent", row.k_percent}, {"selected", row.selected}, {"also_magnitude", row.also_magnitude},
                       {"fraction", row.fraction}, {"chance", row.chance}, {"tensors", tensors}});
  }
  nlohmann::json j = {{"model", spec.model}, {"fisher", spec.fisher}, {"sets", spec.sets}, {"select", spec.select},
                      {"scope", spec.scope}, {"results", results}};
  stamp_schema_version(j, kSchemaVersion);
  return j;
}

OverlapResult OverlapResult::from_json(const nlohmann::json& j, const std::string& path) {
  check_schema_version(j, path, "overlap result", kSchemaVersion);
  OverlapResult r;
  try {
    r.spec.model = j.at("model").get<std::string>();
    r.spec.fisher = j.at("fisher").get<std::string>();
    r.spec.sets = j.at("sets").get<std::string>();
    r.spec.select = j.at("select").get<std::string>();
    r.spec.scope = j.at("scope").get<std::string>();
    r.spec.k.clear();
    for (const auto& x : j.at("results")) {
      OverlapRow row;
      row.k_percent = x.at("k_percent").get<double>();
      row.selected = x.at("selected").get<int64_t>();
      row.also_magnitude = x.at("also_magnitude").get<int64_t>();
      row.fraction = x.at("fraction").get<double>();
      row.chance = x.at("chance").get<double>();
      for (const auto& t : x.at("tensors"))
        row.tensors.push_back({t.at("tensor").get<std::string>(), t.at("numel").get<int64_t>(),
                               t.at("selected").get<int64_t>(), t.at("also_magnitude").get<int64_t>(),
                               t.at("fraction").get<double>()});
      r.spec.k.push_back(row.k_percent);
      r.rows.push_back(std::move(row));
    }
  } catch (const nlohmann::json::exception& e) {
    fail(path, "not an overlap result: " + json_problem(e));
  }
  return r;
}

std::string OverlapResult::to_text() const {
  std::string s = "k        top-k by Fisher also top-k by |w|   (chance = k)\n";
  for (const auto& row : rows)
    s += strprintf("%-8s %-34s (%s)\n", k_text(row.k_percent).c_str(),
                   (format_percent(row.fraction) + " of " + std::to_string(row.selected)).c_str(),
                   format_percent(row.chance).c_str());
  return s;
}

}  // namespace lq::jobs
