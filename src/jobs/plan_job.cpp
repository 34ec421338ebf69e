#include "jobs/plan_job.h"

#include <algorithm>

#include "core/number_text.h"
#include "model/hf_export.h"
#include "model/model.h"
#include "quant/plan_apply.h"
#include "quant/plan_cost.h"
#include "quant/presets.h"

namespace lq::jobs {
namespace {

std::string tensor_format_text(const quant::ResolvedTensor& r) {
  std::string s = quant::canonical_name(r.format);
  if (r.fallback) s += " (fallback)";
  for (const auto& g : r.groups) s += " +" + quant::canonical_name(g.format);
  if (r.quant_weights) s += " +imatrix";
  return s;
}

}  // namespace

PlanShowResult run_plan_show(const PlanSpec& a) {
  PlanShowResult out;
  const quant::Plan plan = quant::load_plan(a.plan, quant::parse_preset_base("--base", a.base), quant::parse_format(a.keep));
  auto model = Model::load(a.model);
  const auto rp = quant::resolve_plan(plan, *model);
  const auto cost = quant::plan_cost(rp, *model);
  const std::string line = quant::plan_to_line(plan);
  {  // the JSON `plan show --json` prints
    nlohmann::json& j = out.json;
    j["plan"] = {{"name", plan.name}, {"line", line}, {"base", quant::canonical_name(plan.base)}};
    // Present only when the base is one of llama.cpp's mixtures (Q4_K_M ...), so plans without
    // one print what they always printed.
    if (!plan.mixture.empty()) j["plan"]["mixture"] = plan.mixture;
    if (!plan.imatrix.empty()) j["plan"]["imatrix"] = plan.imatrix;  // likewise only when set
    j["model"] = a.model;
    for (size_t i = 0; i < rp.tensors.size(); ++i) {
      const auto& r = rp.tensors[i];
      const auto& t = model->tensors()[r.index];
      const auto& c = cost.tensors[i];
      nlohmann::json groups = nlohmann::json::array();
      for (const auto& g : r.groups)
        groups.push_back({{"format", quant::canonical_name(g.format)}, {"elements", g.indices.size()},
                          {"rule", g.rule}});
      j["tensors"].push_back({{"canonical", t.canonical}, {"roles", t.roles}, {"hf_name", t.hf_name},
                              {"shape", t.view->shape}, {"params", c.params},
                              {"format", quant::canonical_name(r.format)}, {"rule", r.rule},
                              {"fallback", r.fallback}, {"kept_elements", r.kept_elements()},
                              {"kept_groups", groups}, {"kept_params", c.kept}, {"lowered_params", c.lowered},
                              {"bits", c.bits}, {"bytes", c.bytes}});
      if (!plan.imatrix.empty()) {
        j["tensors"].back()["imatrix"] = r.quant_weights != nullptr;
        j["tensors"].back()["imatrix_hash"] = r.quant_weights_hash;
      }
      if (!plan.mixture.empty()) {
        j["tensors"].back()["reason"] = r.reason;
        j["tensors"].back()["mixture_format"] = quant::canonical_name(r.mixture_format);
      }
    }
    j["totals"] = {{"params", cost.params},
                   {"kept_params", cost.kept},
                   {"lowered_params", cost.lowered},
                   {"overhead", cost.overhead()},
                   {"bits_per_weight", cost.bits_per_weight()},
                   {"bytes", cost.bytes},
                   {"base_bytes", cost.base_bytes},
                   {"fp32_bytes", cost.fp32_bytes},
                   {"checkpoint_bytes", cost.checkpoint_bytes},
                   {"index_bits_per_kept_element", quant::kIndexBits}};
  }
  out.text += strprintf("plan   %s\n       %s\nmodel  %s (%lld layers)\n", plan.name.c_str(), line.c_str(), a.model.c_str(),
              (long long)model->hparams().n_layer);
  if (!plan.imatrix.empty()) {  // which matrices quantize with importance weights (+imatrix below)
    int64_t n = 0;
    for (const auto& r : rp.tensors) n += r.quant_weights != nullptr;
    out.text += strprintf("imatrix %s: importance weights on %lld tensors\n", plan.imatrix.c_str(), (long long)n);
  }
  out.text += strprintf("\n");
  out.text += strprintf("%-42s %-30s %12s %-24s %8s %12s\n", "canonical name", "hugging face name", "params", "format",
              "kept %", "bytes");
  for (size_t i = 0; i < rp.tensors.size(); ++i) {
    const auto& r = rp.tensors[i];
    const auto& t = model->tensors()[r.index];
    const auto& c = cost.tensors[i];
    std::string canon = t.canonical;
    for (size_t k = 1; k < t.roles.size(); ++k) canon += " = " + t.roles[k];
    out.text += strprintf("%-42s %-30s %12lld %-24s %8.3f %12llu", canon.c_str(), t.hf_name.c_str(), (long long)c.params,
                tensor_format_text(r).c_str(), 100.0 * c.kept / std::max<int64_t>(1, c.params),
                (unsigned long long)c.bytes);
    if (!plan.mixture.empty()) out.text += strprintf("  %s", r.reason.c_str());  // what llama-quantize does, and why
    out.text += "\n";
  }
  auto ratio = [](uint64_t a, uint64_t b) { return b ? double(a) / double(b) : 0.0; };
  out.text += strprintf("\nparameters       %lld, kept above base %lld, below base %lld\n", (long long)cost.params,
              (long long)cost.kept, (long long)cost.lowered);
  out.text += strprintf("overhead         %.4f %%\n", 100.0 * cost.overhead());
  out.text += strprintf("bits per weight  %.4f\n", cost.bits_per_weight());
  out.text += strprintf("size             %llu bytes (%.2f MB)\n", (unsigned long long)cost.bytes, cost.bytes / 1e6);
  out.text += strprintf("  vs fp32        %llu bytes (%.2f MB): %.2f%%\n", (unsigned long long)cost.fp32_bytes,
              cost.fp32_bytes / 1e6, 100 * ratio(cost.bytes, cost.fp32_bytes));
  out.text += strprintf("  vs checkpoint  %llu bytes (%.2f MB): %.2f%%\n", (unsigned long long)cost.checkpoint_bytes,
              cost.checkpoint_bytes / 1e6, 100 * ratio(cost.bytes, cost.checkpoint_bytes));
  out.text += strprintf("  vs all-base    %llu bytes (%.2f MB): %.2f%%\n", (unsigned long long)cost.base_bytes,
              cost.base_bytes / 1e6, 100 * ratio(cost.bytes, cost.base_bytes));
  out.text += strprintf("(kept elements are stored as a sparse list: value at the keep format + a %d-bit index each)\n",
              quant::kIndexBits);
  return out;
}

std::string run_plan_apply(const PlanSpec& a, const std::string& out, const std::string& dtype_name) {
  const quant::Plan plan = quant::load_plan(a.plan, quant::parse_preset_base("--base", a.base), quant::parse_format(a.keep));
  auto model = Model::load(a.model);
  quant::QuantCache cache;
  const WeightSet weights = quant::build_weight_set(*model, quant::resolve_plan(plan, *model), cache);
  const DType dtype = dtype_name == "f16" ? DType::F16 : dtype_name == "bf16" ? DType::BF16 : DType::F32;
  write_hf_checkpoint(*model, weights, out, dtype, Rounding::Exact);
  return strprintf("wrote %s: %s simulated (dequantized %s where the plan changes a tensor)\n", out.c_str(),
                   quant::plan_to_line(plan).c_str(), dtype_name.c_str());
}

}  // namespace lq::jobs
