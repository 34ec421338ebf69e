// langquant fertility --model M --corpus C: tokens per word, per character and per byte of each
// language, and the tokenization premium against a reference on parallel text. The work is
// jobs/fertility_job.h.
#include <iostream>

#include "cli/commands.h"
#include "jobs/fertility_job.h"

namespace lq::cli {

void register_fertility(CLI::App& app) {
  auto s = std::make_shared<jobs::FertilitySpec>();
  auto* cmd = app.add_subcommand(
      "fertility",
      "Token fertility per language: tokens per word (ICU word boundaries), per character and bytes per token,\n"
      "and on a parallel corpus the premium: tokens relative to --ref on the same sentences. Correlate it with\n"
      "disparity: langquant correlate --x F.json:languages.premium --y EVAL.csv:nll_disparity?plan=P");
  cmd->add_option("--model,-m", s->model, "Checkpoint (folder or GGUF) or tokenizer.json whose tokenizer to measure")
      ->required();
  cmd->add_option("--corpus,-c", s->corpus, "Corpus folder (see 'langquant eval --help')")->required();
  cmd->add_option("--langs", s->langs, "Languages (default: all)")->delimiter(',');
  cmd->add_option("--sentences", s->sentences, "First N sentences per language (0: all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--ref", s->ref, "Reference language of the premium (default en)");
  cmd->add_option("--out,-o", s->json, "JSON (schema_version 1)");
  cmd->add_option("--csv", s->csv, "CSV, one row per language");
  cmd->add_option("--md", s->md, "Markdown table (printed when no output file is given)");
  cmd->callback([s] {
    const auto r = jobs::run_fertility(*s);
    if (s->json.empty() && s->csv.empty() && s->md.empty()) std::cout << r.to_markdown();
  });
}

}  // namespace lq::cli
