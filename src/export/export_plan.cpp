#include "export/export_plan.h"

#include <algorithm>

#include "core/error.h"
#include "quant/presets.h"

namespace lq::exporter {

const std::vector<std::string>& export_targets() {
  static const std::vector<std::string> t = {"gguf", "llama-quantize"};
  return t;
}

ExportResult export_plan(const ExportSpec& spec) {
  const auto& targets = export_targets();
  if (std::find(targets.begin(), targets.end(), spec.to) == targets.end()) {
    std::string list;
    for (const auto& t : targets) list += (list.empty() ? "" : ", ") + t;
    fail("export --to " + spec.to, "unknown target (valid: " + list + ")");
  }
  const quant::Plan plan = quant::load_plan(spec.plan, quant::parse_preset_base("--base", spec.base), quant::parse_format(spec.keep));
  auto model = Model::load(spec.model);
  const quant::ResolvedPlan rp = quant::resolve_plan(plan, *model);
  ExportResult res;
  res.plan_line = quant::plan_to_line(plan);
  res.model = spec.model;
  if (spec.to == "gguf") res.gguf = export_gguf(*model, rp, spec.out);
  else res.llama_quantize = export_llama_quantize(*model, rp, spec.out);
  return res;
}

}  // namespace lq::exporter
