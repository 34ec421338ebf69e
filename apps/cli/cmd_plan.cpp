// langquant plan show PLAN --model DIR: how a protection plan resolves on a checkpoint, tensor
// by tensor, with its overhead, bits per weight and stored size. langquant plan list: presets.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "model/model.h"
#include "quant/plan_apply.h"
#include "quant/plan_cost.h"
#include "model/hf_export.h"
#include "quant/presets.h"

namespace lq::cli {
namespace {

struct PlanArgs {
  std::string plan, dir, base = "int4", keep = "fp16", out, dtype = "f32";
  bool json = false;
};

std::string tensor_format_text(const quant::ResolvedTensor& r) {
  std::string s = quant::canonical_name(r.format);
  if (r.fallback) s += " (fallback)";
  for (const auto& g : r.groups) s += " +" + quant::canonical_name(g.format);
  if (r.quant_weights) s += " +imatrix";
  return s;
}

void run_show(const PlanArgs& a) {
  const quant::Plan plan = quant::load_plan(a.plan, quant::parse_preset_base("--base", a.base), quant::parse_format(a.keep));
  auto model = Model::load(a.dir);
  const auto rp = quant::resolve_plan(plan, *model);
  const auto cost = quant::plan_cost(rp, *model);
  const std::string line = quant::plan_to_line(plan);
  if (a.json) {
    nlohmann::json j;
    j["plan"] = {{"name", plan.name}, {"line", line}, {"base", quant::canonical_name(plan.base)}};
    // Present only when the base is one of llama.cpp's mixtures (Q4_K_M ...), so plans without
    // one print what they always printed.
    if (!plan.mixture.empty()) j["plan"]["mixture"] = plan.mixture;
    if (!plan.imatrix.empty()) j["plan"]["imatrix"] = plan.imatrix;  // likewise only when set
    j["model"] = a.dir;
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
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::printf("plan   %s\n       %s\nmodel  %s (%lld layers)\n", plan.name.c_str(), line.c_str(), a.dir.c_str(),
              (long long)model->hparams().n_layer);
  if (!plan.imatrix.empty()) {  // which matrices quantize with importance weights (+imatrix below)
    int64_t n = 0;
    for (const auto& r : rp.tensors) n += r.quant_weights != nullptr;
    std::printf("imatrix %s: importance weights on %lld tensors\n", plan.imatrix.c_str(), (long long)n);
  }
  std::printf("\n");
  std::printf("%-42s %-30s %12s %-24s %8s %12s\n", "canonical name", "hugging face name", "params", "format",
              "kept %", "bytes");
  for (size_t i = 0; i < rp.tensors.size(); ++i) {
    const auto& r = rp.tensors[i];
    const auto& t = model->tensors()[r.index];
    const auto& c = cost.tensors[i];
    std::string canon = t.canonical;
    for (size_t k = 1; k < t.roles.size(); ++k) canon += " = " + t.roles[k];
    std::printf("%-42s %-30s %12lld %-24s %8.3f %12llu", canon.c_str(), t.hf_name.c_str(), (long long)c.params,
                tensor_format_text(r).c_str(), 100.0 * c.kept / std::max<int64_t>(1, c.params),
                (unsigned long long)c.bytes);
    if (!plan.mixture.empty()) std::printf("  %s", r.reason.c_str());  // what llama-quantize does, and why
    std::printf("\n");
  }
  auto ratio = [](uint64_t a, uint64_t b) { return b ? double(a) / double(b) : 0.0; };
  std::printf("\nparameters       %lld, kept above base %lld, below base %lld\n", (long long)cost.params,
              (long long)cost.kept, (long long)cost.lowered);
  std::printf("overhead         %.4f %%\n", 100.0 * cost.overhead());
  std::printf("bits per weight  %.4f\n", cost.bits_per_weight());
  std::printf("size             %llu bytes (%.2f MB)\n", (unsigned long long)cost.bytes, cost.bytes / 1e6);
  std::printf("  vs fp32        %llu bytes (%.2f MB): %.2f%%\n", (unsigned long long)cost.fp32_bytes,
              cost.fp32_bytes / 1e6, 100 * ratio(cost.bytes, cost.fp32_bytes));
  std::printf("  vs checkpoint  %llu bytes (%.2f MB): %.2f%%\n", (unsigned long long)cost.checkpoint_bytes,
              cost.checkpoint_bytes / 1e6, 100 * ratio(cost.bytes, cost.checkpoint_bytes));
  std::printf("  vs all-base    %llu bytes (%.2f MB): %.2f%%\n", (unsigned long long)cost.base_bytes,
              cost.base_bytes / 1e6, 100 * ratio(cost.bytes, cost.base_bytes));
  std::printf("(kept elements are stored as a sparse list: value at the keep format + a %d-bit index each)\n",
              quant::kIndexBits);
}

void run_list() {
  for (const auto& p : quant::preset_list()) std::printf("%-24s %s\n", p.name.c_str(), p.description.c_str());
  std::printf("\nPresets keep parts at --keep (default fp16) over --base (default int4); layer numbers adapt to the\n"
              "model's depth (first, last, 75%% = floor(0.75 * n_layer)). See 'langquant plan show --help'.\n");
}

void run_apply(const PlanArgs& a) {
  const quant::Plan plan = quant::load_plan(a.plan, quant::parse_preset_base("--base", a.base), quant::parse_format(a.keep));
  auto model = Model::load(a.dir);
  quant::QuantCache cache;
  const WeightSet weights = quant::build_weight_set(*model, quant::resolve_plan(plan, *model), cache);
  const DType dtype = a.dtype == "f16" ? DType::F16 : a.dtype == "bf16" ? DType::BF16 : DType::F32;
  write_hf_checkpoint(*model, weights, a.out, dtype, Rounding::Exact);
  std::printf("wrote %s: %s simulated (dequantized %s where the plan changes a tensor)\n", a.out.c_str(),
              quant::plan_to_line(plan).c_str(), a.dtype.c_str());
}

}  // namespace

void register_plan(CLI::App& app) {
  auto a = std::make_shared<PlanArgs>();
  auto* cmd = app.add_subcommand("plan", "Quantization plans: which format every tensor gets, and what it costs");
  cmd->require_subcommand(1);
  auto* show = cmd->add_subcommand(
      "show",
      "Resolve PLAN on a checkpoint: every tensor's format, the share of parameters kept above the base\n"
      "format (overhead), effective bits per weight and the stored size.\n\n" +
          quant::plan_help() + "\n\n" + quant::format_help());
  show->add_option("plan", a->plan,
                   "A preset name ('langquant plan list'), a plan file (.toml or .json) or a one-line plan, "
                   "e.g. 'base=int4; keep fp16 layers=0,-1'")
      ->required();
  show->add_option("--model,-m", a->dir, "Checkpoint: a Hugging Face folder (config.json + safetensors) or a GGUF file")->required();
  show->add_option("--base", a->base, "Base format of a preset (default int4)");
  show->add_option("--keep", a->keep, "Format a preset keeps its protected parts at (default fp16)");
  show->add_flag("--json", a->json, "Print JSON instead of a table");
  show->callback([a] { run_show(*a); });
  auto* apply = cmd->add_subcommand(
      "apply",
      "Write a checkpoint holding PLAN's simulated weights: each tensor the plan changes as its dequantized\n"
      "F32 values under its Hugging Face name and layout, the rest copied as stored, plus config.json and\n"
      "tokenizer.json. Any tool (transformers included) can then score the model as the plan leaves it.\n"
      "This is the simulation, not a compact deployable file.");
  apply->add_option("plan", a->plan, "A preset name, a plan file or a one-line plan")->required();
  apply->add_option("--model,-m", a->dir, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  apply->add_option("--out,-o", a->out, "Folder to write")->required();
  apply->add_option("--base", a->base, "Base format of a preset (default int4)");
  apply->add_option("--keep", a->keep, "Format a preset keeps its protected parts at (default fp16)");
  apply->add_option("--dtype", a->dtype,
                    "Dtype of the changed tensors (default f32); f16/bf16 only for plans whose values it holds\n"
                    "exactly, e.g. 'base=fp16' to halve an F32 checkpoint")
      ->check(CLI::IsMember({"f32", "f16", "bf16"}));
  apply->callback([a] { run_apply(*a); });
  auto* list = cmd->add_subcommand("list", "List the preset plans with a one-line description each");
  list->callback([] { run_list(); });
}

}  // namespace lq::cli
