// langquant imatrix --model M --corpus C [--langs en,ar] --out F [--mix en=0.5,ar=0.1|balanced]:
// llama.cpp's importance matrix (GGUF imatrix format, llama-quantize --imatrix reads it) per
// language, and optionally one mix of them. The work is jobs/imatrix_job.h.
#include <cstdio>

#include "cli/commands.h"
#include "jobs/imatrix_job.h"

namespace lq::cli {

void register_imatrix(CLI::App& app) {
  struct Args {
    jobs::ImatrixSpec spec;
    ComputeOptions compute;
  };
  auto a = std::make_shared<Args>();
  auto& s = a->spec;
  auto* cmd = app.add_subcommand(
      "imatrix",
      "llama.cpp's importance matrix per language (sum of x^2 per input column of every blk.* matrix, and token "
      "counts; chunks of --ctx tokens as llama-imatrix), in llama-imatrix's GGUF format; --mix combines them");
  cmd->add_option("--model,-m", s.model, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  cmd->add_option("--corpus,-c", s.corpus, "Corpus folder (see 'langquant eval --help')")->required();
  cmd->add_option("--langs", s.langs, "Languages to run (default: all)")->delimiter(',');
  cmd->add_option("--out,-o", s.out,
                  "Output F: each language goes to F with the language before the extension (F=im.gguf: "
                  "im.en.gguf); the --mix to F itself")
      ->required();
  cmd->add_option("--mix", s.mix, "Also write one mix: lang=weight,... (normalised; unnamed languages 0) or "
                                  "'balanced' (every language the same token weight)");
  cmd->add_option("--ctx", s.options.n_ctx, "Chunk length in tokens (llama-imatrix -c; default 512, at least 16)");
  cmd->add_option("--sentences", s.sentences, "First N sentences per language (0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--batch-tokens", s.options.batch_tokens, "Rows per forward batch (default 2048)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--process-output", s.options.process_output, "Also collect output.weight (untied heads only)");
  cmd->add_flag("--resume", s.resume, "Continue a run that was stopped (its progress is kept beside --out until it ends)");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] {
    apply_threads(a->compute);
    jobs::JobProgress progress{a->compute.quiet, nullptr};
    if (!a->compute.quiet) progress.stage = [](const std::string& m) { std::fprintf(stderr, "imatrix: %s\n", m.c_str()); };
    std::fputs(jobs::run_imatrix(a->spec, progress).to_text().c_str(), stdout);
  });
}

}  // namespace lq::cli
