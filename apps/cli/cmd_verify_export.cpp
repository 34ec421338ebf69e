// langquant verify-export PLAN --model M --gguf F --corpus C: the exported file scored by
// llama.cpp beside langquant's simulation of the plan, on the same token windows (src/export).
#include <cmath>
#include <cstdio>

#include "cli/commands.h"
#include "export/verify_export.h"

namespace lq::cli {

void register_verify_export(CLI::App& app) {
  auto spec = std::make_shared<exporter::VerifySpec>();
  auto compute = std::make_shared<ComputeOptions>();
  auto* cmd = app.add_subcommand(
      "verify-export",
      "Score the GGUF that 'langquant export' wrote for PLAN with llama.cpp (llama-cpp-python, in a Python\n"
      "child process) and langquant's simulation of PLAN on the same token windows (stream mode: windows of\n"
      "--ctx tokens, the second half scored), and print per language the NLL per token and the perplexity\n"
      "difference. Needs an interpreter that imports llama_cpp (--python, $LQ_PYTHON or python3).");
  cmd->add_option("plan", spec->plan, "The plan the file was exported from")->required();
  cmd->add_option("--model,-m", spec->model, "The export's source model")->required();
  cmd->add_option("--gguf", spec->gguf, "The exported GGUF file")->required();
  cmd->add_option("--corpus,-c", spec->corpus, "Corpus folder (see 'langquant eval --help')")->required();
  cmd->add_option("--langs", spec->langs, "Languages (default: all)")->delimiter(',');
  cmd->add_option("--ctx", spec->n_ctx, "Window length in tokens (default 128)")->check(CLI::Range(4, 8192));
  cmd->add_option("--sentences", spec->sentences, "First N sentences per language (default 20; 0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--python", spec->python, "Python interpreter with llama-cpp-python");
  cmd->add_option("--base", spec->base, "Base format of a preset (default int4)");
  cmd->add_option("--keep", spec->keep, "Format a preset keeps its protected parts at (default fp16)");
  add_compute_options(*cmd, *compute);
  cmd->callback([spec, compute] {
    spec->threads = apply_threads(*compute);
    const auto r = exporter::verify_export(*spec);
    std::printf("plan  %s\nfile  %s (llama.cpp via %s)\n\n", r.plan_line.c_str(), spec->gguf.c_str(), r.python.c_str());
    std::printf("%-8s %8s %8s %14s %14s %12s %12s %10s\n", "lang", "windows", "tokens", "nll langquant", "nll llama.cpp",
                "ppl lq", "ppl llama", "ppl diff %");
    auto row = [](const exporter::VerifyLanguage& v) {
      std::printf("%-8s %8lld %8lld %14.6f %14.6f %12.4f %12.4f %+10.4f\n", v.lang.c_str(), (long long)v.windows,
                  (long long)v.tokens, v.nll_langquant, v.nll_llama, std::exp(v.nll_langquant), std::exp(v.nll_llama),
                  v.ppl_diff_percent());
    };
    for (const auto& v : r.languages) row(v);
    row(r.all);
  });
}

}  // namespace lq::cli
