// langquant plan show PLAN --model DIR: how a protection plan resolves on a checkpoint, tensor
// by tensor, with its overhead, bits per weight and stored size (jobs/plan_job.h). langquant
// plan apply: the simulated checkpoint. langquant plan list: presets.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "jobs/plan_job.h"
#include "quant/presets.h"

namespace lq::cli {
namespace {

struct PlanArgs {
  std::string plan, dir, base = "int4", keep = "fp16", out, dtype = "f32";
  bool json = false;
};

void run_show(const PlanArgs& a) {
  const auto r = jobs::run_plan_show({a.plan, a.dir, a.base, a.keep});
  std::cout << (a.json ? r.json.dump(2) + "\n" : r.text);
}

void run_list() {
  for (const auto& p : quant::preset_list()) std::printf("%-24s %s\n", p.name.c_str(), p.description.c_str());
  std::printf("\nPresets keep parts at --keep (default fp16) over --base (default int4); layer numbers adapt to the\n"
              "model's depth (first, last, 75%% = floor(0.75 * n_layer)). See 'langquant plan show --help'.\n");
}

void run_apply(const PlanArgs& a) { std::cout << jobs::run_plan_apply({a.plan, a.dir, a.base, a.keep}, a.out, a.dtype); }

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
