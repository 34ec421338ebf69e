// langquant eval: per-language quality of a model on a multilingual corpus.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/model_loading.h"
#include "core/atomic_file.h"
#include "core/progress.h"
#include "eval/engine.h"
#include "eval/results.h"
#include "model/weight_set.h"

namespace lq::cli {
namespace {

struct EvalArgs {
  std::string model, corpus, out, md;
  std::vector<std::string> langs, groups;
  std::string mode = "sentence";
  int64_t ctx = 0, batch_tokens = 2048;
  int bootstrap = 1000;
  uint64_t seed = 20260105;
  bool no_bos = false;
  ComputeOptions compute;
};

std::string default_md_path(const std::string& json_path) {
  std::filesystem::path p(json_path);
  return p.replace_extension(".md").string();
}

void run_eval(const EvalArgs& a) {
  apply_threads(a.compute);
  auto model = Model::load(a.model);
  auto tok = load_model_tokenizer(a.model);
  const Corpus corpus = load_corpus(a.corpus, a.langs);
  const auto groups = parse_groups(a.groups);
  for (const auto& [name, members] : groups)
    for (const auto& m : members) {
      bool found = false;
      for (const auto& l : corpus.languages) found |= l.code == m;
      if (!found) fail(a.corpus, "group '" + name + "' names language '" + m + "' that the corpus does not have");
    }

  UnitOptions uo;
  uo.mode = a.mode == "stream" ? ScoreMode::Stream : ScoreMode::Sentence;
  uo.n_ctx = a.ctx;
  uo.add_bos = !a.no_bos;
  const UnitSet units = make_units(corpus, *tok, model->hparams(), uo);

  // Open the outputs before the long computation, so that an unwritable path fails now rather
  // than after it; they are committed together at the end (all of them or none).
  const std::string md_path = !a.md.empty() ? a.md : a.out.empty() ? "" : default_md_path(a.out);
  if (!a.out.empty() && md_path == a.out) fail(a.out, "--out and the Markdown file (--md) must be different files");
  std::unique_ptr<AtomicFile> json_file, md_file;
  if (!a.out.empty()) json_file = std::make_unique<AtomicFile>(a.out, true);
  if (!md_path.empty()) md_file = std::make_unique<AtomicFile>(md_path, true);

  std::vector<UnitTotals> totals(units.units.size());
  for (size_t i = 0; i < units.units.size(); ++i) {
    totals[i].bytes = units.units[i].bytes;
    totals[i].chars = units.units[i].chars;
  }
  int64_t rows = 0;
  for (const auto& u : units.units) rows += static_cast<int64_t>(u.ids.size());
  WeightSet fp(*model);
  Progress progress("eval", rows, "tokens", a.compute.quiet);
  EngineOptions eo;
  eo.batch_tokens = a.batch_tokens;
  score_units(*model, {&fp}, units, eo, [&](const TokenResult& t) {
    totals[t.unit].nll -= t.logprob;
    totals[t.unit].tokens += 1;
  }, &progress);
  progress.finish();

  BootstrapOptions bo;
  bo.replicates = a.bootstrap;
  bo.seed = a.seed;
  EvalResults r;
  r.model = a.model;
  r.corpus = a.corpus;
  r.corpus_layout = corpus.layout;
  r.mode = mode_name(uo.mode);
  r.n_ctx = units.n_ctx;
  r.bos = units.bos;
  r.truncated = units.truncated;
  r.bootstrap_replicates = a.bootstrap;
  std::map<std::string, std::vector<UnitTotals>> by_lang;
  for (size_t i = 0; i < units.units.size(); ++i)
    by_lang[corpus.languages[units.units[i].lang].code].push_back(totals[i]);
  for (const auto& l : corpus.languages) r.languages.push_back(summarize(l.code, by_lang[l.code], bo));
  for (const auto& [name, members] : groups) {
    std::vector<UnitTotals> pooled;
    for (const auto& m : members) pooled.insert(pooled.end(), by_lang[m].begin(), by_lang[m].end());
    r.groups.push_back(summarize(name, pooled, bo));
    r.groups.back().is_group = true;
  }
  const std::string md = to_markdown(r);
  if (json_file) json_file->stream() << to_json(r).dump(2) << "\n";
  if (md_file) md_file->stream() << md;
  // Every write is checked before the first rename, so a full disk leaves neither file.
  for (AtomicFile* f : {json_file.get(), md_file.get()})
    if (f && !f->stream().flush()) fail(f->path(), "write failed (disk full?)");
  if (json_file) json_file->commit();
  if (md_file) md_file->commit();
  std::cout << md;
}

}  // namespace

void register_eval(CLI::App& app) {
  auto a = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand(
      "eval",
      "Score every language of a corpus: scored tokens, bytes, characters, NLL per token, perplexity and\n"
      "bits per byte, each with a 95% bootstrap interval over sentences (windows in stream mode).\n"
      "Corpus: a folder of <lang>.txt files (one sentence per line), a FLORES-style folder (dev/ or\n"
      "devtest/ with eng_Latn.devtest-style names), or .conllu files ('# text = ' lines).\n"
      "Modes: 'sentence' scores each sentence alone with BOS prepended (when the model has one);\n"
      "'stream' joins a language's sentences with newlines, cuts the tokens into windows of --ctx and\n"
      "scores the second half of each window (as llama.cpp's perplexity).");
  cmd->add_option("--model,-m", a->model, "Hugging Face checkpoint folder")->required();
  cmd->add_option("--corpus,-c", a->corpus, "Corpus folder or file")->required();
  cmd->add_option("--out,-o", a->out, "Write results as JSON here (and Markdown beside it, .md)");
  cmd->add_option("--md", a->md, "Write the Markdown table here");
  cmd->add_option("--langs", a->langs, "Only these language codes (comma separated)")->delimiter(',');
  cmd->add_option("--group", a->groups, "Language group NAME=lang,lang (repeatable); pooled rows are added");
  cmd->add_option("--mode", a->mode, "sentence or stream")->check(CLI::IsMember({"sentence", "stream"}));
  cmd->add_option("--ctx", a->ctx, "Context / window length in tokens (default: model's, 1024 max in stream)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-bos", a->no_bos, "Do not prepend BOS in sentence mode");
  cmd->add_option("--bootstrap", a->bootstrap, "Bootstrap replicates for intervals")->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", a->seed, "Bootstrap seed");
  cmd->add_option("--batch-tokens", a->batch_tokens, "Rows per forward pass (sentences are packed)")
      ->check(CLI::PositiveNumber);
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] { run_eval(*a); });
}

}  // namespace lq::cli
