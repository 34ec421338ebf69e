// langquant overlap: how many of the top-k% weights by Fisher importance are also top-k% by
// magnitude. Both selections are exactly what the plan selectors `top=k%` and
// `top=k% by=fisher:F:SETS` keep (quant/plan_resolve.h), so the numbers describe those plans.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "model/model.h"
#include "quant/plan.h"
#include "quant/plan_resolve.h"

namespace lq::cli {
namespace {

struct OverlapArgs {
  std::string model, fisher, sets, select = "kind=weight", scope = "tensor", out;
  std::vector<double> k = {0.1, 1, 5};
};

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

std::string pct(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100 * x);
  return buf;
}

void run_overlap(const OverlapArgs& a) {
  if (a.scope != "tensor" && a.scope != "global") fail("--scope", "must be tensor or global");
  auto model = Model::load(a.model);
  const std::string by = " by=fisher:" + a.fisher + (a.sets.empty() ? "" : ":" + a.sets);
  const std::string tail = (a.select.empty() ? "" : " " + a.select) + " scope=" + a.scope;
  const quant::Rule probe = quant::parse_rule("keep fp16 top=1%" + tail);
  const int n_layer = static_cast<int>(model->hparams().n_layer);

  nlohmann::json results = nlohmann::json::array();
  std::cout << "k        top-k by Fisher also top-k by |w|   (chance = k)\n";
  for (const double k : a.k) {
    if (!(k > 0 && k <= 100)) fail("-k", "each k must be in (0, 100]");
    char ktext[32];
    std::snprintf(ktext, sizeof ktext, "%g%%", k);
    const auto fisher = kept(*model, "keep fp16 top=" + std::string(ktext) + tail + by);
    const auto magnitude = kept(*model, "keep fp16 top=" + std::string(ktext) + tail);
    nlohmann::json tensors = nlohmann::json::array();
    int64_t sel_total = 0, both_total = 0, numel_total = 0;
    for (size_t i = 0; i < model->tensors().size(); ++i) {
      const TensorInfo& t = model->tensors()[i];
      if (!probe.selects_tensor(t, n_layer)) continue;
      const int64_t both = intersection(fisher[i], magnitude[i]);
      const auto n_sel = static_cast<int64_t>(fisher[i].size());
      tensors.push_back({{"tensor", t.canonical}, {"numel", t.view->numel()}, {"selected", n_sel},
                         {"also_magnitude", both},
                         {"fraction", n_sel ? static_cast<double>(both) / static_cast<double>(n_sel) : 0.0}});
      sel_total += n_sel;
      both_total += both;
      numel_total += t.view->numel();
    }
    if (numel_total == 0) fail("--select", "selects no tensor of the model");
    const double frac = sel_total ? static_cast<double>(both_total) / static_cast<double>(sel_total) : 0.0;
    const double chance = static_cast<double>(sel_total) / static_cast<double>(numel_total);
    std::printf("%-8s %-34s (%s)\n", ktext, (pct(frac) + " of " + std::to_string(sel_total)).c_str(), pct(chance).c_str());
    results.push_back({{"k_percent", k}, {"selected", sel_total}, {"also_magnitude", both_total},
                       {"fraction", frac}, {"chance", chance}, {"tensors", tensors}});
  }
  if (!a.out.empty()) {
    nlohmann::json j = {{"model", a.model}, {"fisher", a.fisher}, {"sets", a.sets}, {"select", a.select},
                        {"scope", a.scope}, {"results", results}};
    write_file_atomic(a.out, j.dump(2) + "\n");
  }
}

}  // namespace

void register_overlap(CLI::App& app) {
  auto a = std::make_shared<OverlapArgs>();
  auto* cmd = app.add_subcommand(
      "overlap",
      "For each k: of the k% of weights most important by Fisher (plan selector top=k% by=fisher:F:SETS),\n"
      "how many are also among the k% largest in |w| (top=k%). Reported per tensor and pooled over\n"
      "the selected tensors (sum of overlaps / sum of selected); chance level is k. With --scope\n"
      "global both rankings run over all selected tensors together, as plans with scope=global do.");
  cmd->add_option("--model,-m", a->model, "Checkpoint folder the Fisher file was computed for")->required();
  cmd->add_option("--fisher,-f", a->fisher, "Importance file written by `langquant fisher`")->required();
  cmd->add_option("--sets,-s", a->sets, "Importance sets, comma list (languages, group:NAME, max; default all languages)");
  cmd->add_option("-k", a->k, "Percentages (comma list)")->delimiter(',');
  cmd->add_option("--select", a->select, "Plan selectors restricting the tensors (default kind=weight; '' = all)");
  cmd->add_option("--scope", a->scope, "tensor (rank within each tensor) or global");
  cmd->add_option("--out,-o", a->out, "JSON output (written atomically)");
  cmd->callback([a] { run_overlap(*a); });
}

}  // namespace lq::cli
