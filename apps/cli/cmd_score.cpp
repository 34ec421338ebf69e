// langquant score: argv -> jobs::ScoreSpec; writes the JSON Lines (jobs/score_job.h).
#include "cli/commands.h"
#include "core/atomic_file.h"
#include "jobs/score_job.h"

namespace lq::cli {

void register_score(CLI::App& app) {
  struct Args {
    jobs::ScoreSpec spec;
    std::string out;
    ComputeOptions compute;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "score",
      "Write the log-probability of every token of a text file, one JSON object per line of OUT:\n"
      "  {\"line\": 0-based input line, \"pos\": index of the token in that line's token sequence,\n"
      "   \"id\": token id, \"token\": its vocabulary string, \"logprob\": natural log}\n"
      "Each input line is scored on its own. When the model has a BOS token (config bos_token_id) it is\n"
      "prepended and every token of the line is scored (pos 0 is predicted from BOS alone); without\n"
      "one, pos 0 is context only and scoring starts at pos 1. Blank lines produce no tokens.\n"
      "Masked language models (BERT) are scored by pseudo-log-likelihood: each token of the line\n"
      "(inside the tokenizer's [CLS] ... [SEP]) is replaced by [MASK] and its log-probability taken\n"
      "there; pos 0 is the line's first token.");
  cmd->add_option("--model,-m", a->spec.model, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  cmd->add_option("--file,-f", a->spec.file, "UTF-8 text, one sequence per line")->required();
  cmd->add_option("--out,-o", a->out, "Output JSON Lines file (written atomically)")->required();
  cmd->add_option("--batch-tokens", a->spec.batch_tokens, "Rows per forward pass (sentences are packed)")
      ->check(CLI::PositiveNumber);
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] {
    apply_threads(a->compute);
    AtomicFile out(a->out);  // opened first: an unwritable path fails before the model loads
    out.stream() << jobs::run_score(a->spec, {a->compute.quiet, nullptr}).to_jsonl();
    out.commit();
  });
}

}  // namespace lq::cli
