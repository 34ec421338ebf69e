// langquant correlate --x SPEC --y SPEC [--x SPEC --y SPEC ...]: Pearson and Spearman correlation
// of keyed series (per layer, per language, ...) from CSV or JSON files or the language table,
// with bootstrap intervals and permutation p-values, pooled over several pairs. The work is
// jobs/correlate_job.h.
#include <iostream>

#include "analysis/language_metadata.h"
#include "cli/commands.h"
#include "jobs/correlate_job.h"

namespace lq::cli {

void register_correlate(CLI::App& app) {
  auto s = std::make_shared<jobs::CorrelateSpec>();
  auto json = std::make_shared<bool>(false);
  auto list_languages = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "correlate",
      "Correlate two keyed series (per layer, per language, ...) read from CSV or JSON files or the language "
      "table: Pearson and Spearman r with a bootstrap 95% interval and a permutation p-value; several --x/--y "
      "pairs (one per model) are also pooled");
  cmd->footer(
      "A series is  FILE[:FIELD][?COL=VALUE&...]  or  @languages:COLUMN[=VALUE]\n"
      "  CSV: FIELD is the value column (default: the second column); the key is the first column.\n"
      "  JSON: FIELD is a dotted path to an array of records plus the value inside each\n"
      "        (stats.json:layers.variance) or to an object of numbers ({\"en\": 1.2, ...}).\n"
      "  ?COL=VALUE keeps only matching records (eval.csv:degradation?plan=int4).\n"
      "  @languages: the language table (--list-languages prints it; --languages FILE adds or corrects\n"
      "        cells and columns). COLUMN=VALUE is 1 where it holds and 0 elsewhere (script=Latn,\n"
      "        resource=low, family=Indo-European: Pearson r is then the point-biserial correlation);\n"
      "        a numeric COLUMN of your own file (e.g. joshi) is read as numbers.\n"
      "Keys: --key, else the first of layer, lang, language, name, key, tensor in the record.\n"
      "Records with an empty or null value (e.g. an unstable ratio) are skipped. Pairs are joined by key.\n"
      "Several pairs: --x A1 --y B1 --x A2 --y B2 correlates each pair, then pools them: each pair is\n"
      "centred on its own means (ranked within itself for Spearman), and resampled and shuffled only\n"
      "within itself, so a model that degrades every language more does not pass for a correlation.\n"
      "Examples:\n"
      "  langquant correlate --x stats.json:layers.kurtosis --y sweep.csv:lr_disparity --method spearman\n"
      "  langquant correlate --x @languages:script=Latn --y 'eval.csv:disparity?plan=q4_0'\n"
      "  langquant correlate --x f1.json:languages.premium --y 'e1.csv:nll_disparity?plan=P' \\\n"
      "                      --x f2.json:languages.premium --y 'e2.csv:nll_disparity?plan=P'");
  cmd->add_option("--x", s->x, "First series (repeat for several pairs)")->take_all();
  cmd->add_option("--y", s->y, "Second series (repeat, in the order of --x)")->take_all();
  cmd->add_option("--key", s->key, "Record field or column that keys both series (default: auto)");
  cmd->add_option("--method", s->method, "pearson, spearman or both")
      ->check(CLI::IsMember({"pearson", "spearman", "both"}));
  cmd->add_option("--languages", s->languages, "TSV of language facts over the built-in table (see --list-languages)");
  cmd->add_flag("--list-languages", *list_languages, "Print the language table (built-in, with --languages over it) as TSV");
  cmd->add_option("--bootstrap", s->options.bootstrap, "Bootstrap resamples for the interval (0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--permutations", s->options.permutations, "Shuffles for the p-value (0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", s->options.seed, "Random seed (same seed, same interval and p-value)");
  cmd->add_flag("--json", *json, "Print JSON (with the joined pairs) instead of a table");
  cmd->add_option("--out", s->out, "Also write the JSON to this file");
  cmd->callback([s, json, list_languages] {
    if (*list_languages) {
      const auto t = s->languages.empty() ? analysis::LanguageTable::builtin()
                                          : analysis::LanguageTable::with_overrides(analysis::LanguageTable::builtin(),
                                                                                    s->languages);
      std::cout << t.to_tsv();
      return;
    }
    if (s->x.empty() || s->y.empty()) throw CLI::RequiredError(s->x.empty() ? "--x" : "--y");
    const auto r = jobs::run_correlate(*s);
    std::cout << (*json ? r.to_json().dump(2) + "\n" : r.to_text());
  });
}

}  // namespace lq::cli
