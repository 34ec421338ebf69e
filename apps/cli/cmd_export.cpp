// langquant export PLAN --model M --to gguf --out F: the plan written for a deployment tool
// (src/export). Arguments to an ExportSpec, one call, a summary.
#include <cstdio>

#include "cli/commands.h"
#include "export/export_plan.h"
#include "quant/plan.h"

namespace lq::cli {

void register_export(CLI::App& app) {
  auto spec = std::make_shared<exporter::ExportSpec>();
  auto compute = std::make_shared<ComputeOptions>();
  auto* cmd = app.add_subcommand(
      "export",
      "Write PLAN for a deployment tool. --to gguf: a GGUF file llama.cpp loads, every tensor in the ggml type\n"
      "the plan resolves to (llama.cpp mixtures with their fallbacks, whole tensors kept at other types, the\n"
      "plan's imatrix), holding exactly the simulated values, with the source GGUF's metadata and tokenizer.\n"
      "A plan the target cannot express (single elements kept by top=/random=, int formats, 1-D tensors not\n"
      "F32) is refused, naming the rule. The file appears whole or not at all.\n"
      "--to llama-quantize: --out F.sh, a shell script with the llama-quantize command that writes the same\n"
      "GGUF (F.gguf) from the same source: the mixture, --pure / --output-tensor-type / --token-embedding-type,\n"
      "F.tensor-types.txt (--tensor-type-file: one exact override per tensor a rule sets) and F.imatrix.gguf\n"
      "(--imatrix: the plan's importance matrix, mixed as the plan says). Needs a mixture base (Q4_K_M ...).\n\n" +
          quant::plan_help());
  cmd->add_option("plan", spec->plan, "A preset name, a plan file (.toml or .json) or a one-line plan, e.g. "
                                      "'base=Q4_K_M; keep q8_0 layers=0,-1; imatrix=im.gguf:balanced'")
      ->required();
  cmd->add_option("--model,-m", spec->model, "Source model: a GGUF file (F16/F32 for llama-quantize's bytes)")
      ->required();
  cmd->add_option("--to", spec->to, "Target: gguf (default) or llama-quantize")->check(CLI::IsMember(exporter::export_targets()));
  cmd->add_option("--out,-o", spec->out, "File to write")->required();
  cmd->add_option("--base", spec->base, "Base format of a preset (default int4)");
  cmd->add_option("--keep", spec->keep, "Format a preset keeps its protected parts at (default fp16)");
  add_compute_options(*cmd, *compute);
  cmd->callback([spec, compute] {
    apply_threads(*compute);
    const auto r = exporter::export_plan(*spec);
    if (spec->to == "llama-quantize") {
      const auto& q = r.llama_quantize;
      std::printf("wrote %s: %s\n  %s\n", q.script.c_str(), r.plan_line.c_str(), q.command.c_str());
      if (!q.tensor_types.empty())
        std::printf("  %s: %lld overrides\n", q.tensor_types.c_str(), static_cast<long long>(q.overrides));
      if (!q.imatrix.empty()) std::printf("  %s: the plan's importance matrix\n", q.imatrix.c_str());
      return;
    }
    std::printf("wrote %s (%llu bytes): %s\n", spec->out.c_str(), static_cast<unsigned long long>(r.gguf.file_bytes),
                r.plan_line.c_str());
    std::printf("  %lld tensors: %lld in the plan's types (%lld with importance weights), %lld copied as stored\n",
                static_cast<long long>(r.gguf.tensors), static_cast<long long>(r.gguf.converted),
                static_cast<long long>(r.gguf.imatrix), static_cast<long long>(r.gguf.tensors - r.gguf.converted));
    std::string types;
    for (const auto& [t, n] : r.gguf.by_type) types += " " + t + "=" + std::to_string(n);
    std::printf("  types:%s\n", types.c_str());
  });
}

}  // namespace lq::cli
