// langquant eval: per-language quality of a model on a multilingual corpus.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "model/checkpoint.h"
#include "core/atomic_file.h"
#include "core/progress.h"
#include "eval/comparison_output.h"
#include "eval/engine.h"
#include "eval/results.h"
#include "experiments/plan_scoring.h"
#include "experiments/resumable_scoring.h"
#include "model/weight_set.h"
#include "quant/plan_apply.h"

namespace lq::cli {
namespace {

struct EvalArgs {
  std::string model, corpus, out, md;
  std::vector<std::string> langs, groups, plans;
  std::string base = "int4", keep = "fp16", ref = "en", csv;
  std::string mode = "sentence";
  int64_t ctx = 0, batch_tokens = 2048;
  int bootstrap = 1000;
  uint64_t seed = 20260105;
  bool no_bos = false, resume = false;
  ComputeOptions compute;
};

std::string replace_extension(const std::string& path, const char* ext) {
  std::filesystem::path p(path);
  return p.replace_extension(ext).string();
}

void run_eval(const EvalArgs& a) {
  apply_threads(a.compute);
  auto model = Model::load(a.model);
  auto tok = open_tokenizer(*model);
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
  const std::string md_path = !a.md.empty() ? a.md : a.out.empty() ? "" : replace_extension(a.out, ".md");
  if (!a.out.empty() && md_path == a.out) fail(a.out, "--out and the Markdown file (--md) must be different files");
  if (!a.csv.empty() && a.plans.empty()) fail(a.csv, "--csv is written for plan comparisons: add --plan");
  const std::string csv_path = !a.csv.empty() ? a.csv : (a.out.empty() || a.plans.empty()) ? "" : replace_extension(a.out, ".csv");
  if (!csv_path.empty() && (csv_path == a.out || csv_path == md_path))
    fail(csv_path, "the CSV, JSON and Markdown outputs must be different files");
  std::unique_ptr<AtomicFile> json_file, md_file, csv_file;
  if (!a.out.empty()) json_file = std::make_unique<AtomicFile>(a.out, true);
  if (!md_path.empty()) md_file = std::make_unique<AtomicFile>(md_path, true);
  if (!csv_path.empty()) csv_file = std::make_unique<AtomicFile>(csv_path, true);
  const std::string progress_of = !a.out.empty() ? a.out : md_path;  // kept beside it while the run lasts
  if (a.resume && progress_of.empty()) fail("--resume", "needs --out or --md (the run's progress is kept beside it)");
  std::unique_ptr<experiments::ResumableScoring> checkpoint;
  if (!progress_of.empty())
    checkpoint = std::make_unique<experiments::ResumableScoring>(experiments::progress_path(progress_of), a.resume, "eval");

  // Full precision first, then one weight set per plan; quantized tensors are built once and
  // shared between plans through the cache.
  std::vector<std::string> names = {"full-precision"};
  std::vector<PlanInfo> infos = {full_precision_info(*model)};
  std::vector<std::unique_ptr<WeightSet>> owned;
  owned.push_back(std::make_unique<WeightSet>(*model));
  quant::QuantCache cache;
  const quant::Format base = quant::parse_format(a.base), keep = quant::parse_format(a.keep);
  for (const auto& spec : a.plans) {
    const PreparedPlan p = prepare_plan(spec, base, keep, *model);
    for (const auto& n : names)
      if (n == p.info.name) fail("--plan " + spec, "two plans are named '" + p.info.name + "'");
    names.push_back(p.info.name);
    infos.push_back(p.info);
    owned.push_back(std::make_unique<WeightSet>(quant::build_weight_set(*model, p.resolved, cache)));
  }
  std::vector<const WeightSet*> sets;
  for (const auto& w : owned) sets.push_back(w.get());
  const size_t S = sets.size();

  // Per language, per unit, per set: NLL, KL and top-1 agreements.
  int64_t rows = 0;
  for (const auto& u : units.units) rows += static_cast<int64_t>(u.ids.size());
  Progress progress("eval", rows, "tokens", a.compute.quiet);
  EngineOptions eo;
  eo.batch_tokens = a.batch_tokens;
  std::vector<std::string> codes;
  for (const auto& l : corpus.languages) codes.push_back(l.code);
  const std::vector<LanguageScores> scores =
      language_scores(codes, units, checkpoint ? checkpoint->score(*model, corpus, units, sets, infos, eo, &progress)
                                               : score_sets(*model, sets, units, eo, &progress), S);
  progress.finish();

  BootstrapOptions bo;
  bo.replicates = a.bootstrap;
  bo.seed = a.seed;
  std::string md, json_text, csv_text;
  if (S == 1) {
    EvalResults r;
    r.model = a.model;
    r.corpus = a.corpus;
    r.corpus_layout = corpus.layout;
    r.mode = mode_name(uo.mode);
    r.n_ctx = units.n_ctx;
    r.bos = units.bos;
    r.truncated = units.truncated;
    r.bootstrap_replicates = a.bootstrap;
    auto unit_totals = [&](const LanguageScores& ls) {
      std::vector<UnitTotals> t(ls.tokens.size());
      for (size_t i = 0; i < t.size(); ++i) t[i] = {ls.nll[0][i], ls.tokens[i], ls.bytes[i], ls.chars[i]};
      return t;
    };
    for (const auto& ls : scores) r.languages.push_back(summarize(ls.lang, unit_totals(ls), bo));
    for (const auto& [name, members] : groups) {
      std::vector<UnitTotals> pooled;
      for (const auto& ls : scores)
        if (std::find(members.begin(), members.end(), ls.lang) != members.end()) {
          auto t = unit_totals(ls);
          pooled.insert(pooled.end(), t.begin(), t.end());
        }
      r.groups.push_back(summarize(name, pooled, bo));
      r.groups.back().is_group = true;
    }
    md = to_markdown(r);
    json_text = to_json(r).dump(2) + "\n";
  } else {
    ComparisonOptions co;
    co.reference = a.ref;
    co.bootstrap = bo;
    co.groups = groups;
    if (!co.groups.count("lr")) co.groups["lr"] = default_low_resource(codes, a.ref);
    ComparisonReport rep;
    rep.model = a.model;
    rep.corpus = a.corpus;
    rep.mode = mode_name(uo.mode);
    rep.reference = a.ref;
    rep.primary_group = "lr";
    rep.n_ctx = units.n_ctx;
    rep.bos = units.bos;
    rep.replicates = a.bootstrap;
    rep.truncated = units.truncated;
    rep.plans = infos;
    rep.comparison = compare_plans(scores, names, co);
    md = comparison_markdown(rep);
    json_text = comparison_json(rep).dump(2) + "\n";
    csv_text = comparison_csv(rep);
  }
  if (json_file) json_file->stream() << json_text;
  if (md_file) md_file->stream() << md;
  if (csv_file) csv_file->stream() << csv_text;
  // Every write is checked before the first rename, so a full disk leaves no file.
  for (AtomicFile* f : {json_file.get(), md_file.get(), csv_file.get()})
    if (f && !f->stream().flush()) fail(f->path(), "write failed (disk full?)");
  for (AtomicFile* f : {json_file.get(), md_file.get(), csv_file.get()})
    if (f) f->commit();
  if (checkpoint) checkpoint->finish();
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
      "scores the second half of each window (as llama.cpp's perplexity).\n"
      "With --plan: full precision and every plan are scored on the same tokens in one pass (FP logits\n"
      "once per batch, never stored); per plan and language: ppl, bpb, degradation, disparity and NLL\n"
      "disparity against --ref, delta_bpb, KL(FP||plan), top-1 agreement, with paired bootstrap\n"
      "intervals; ratios whose denominator interval contains 0 are reported 'unstable'. Outputs: JSON\n"
      "(--out), CSV (one row per plan x language), Markdown (strategy table in the seeds' form).");
  cmd->add_option("--model,-m", a->model, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  cmd->add_option("--corpus,-c", a->corpus, "Corpus folder or file")->required();
  cmd->add_option("--out,-o", a->out, "Write results as JSON here (and Markdown beside it, .md)");
  cmd->add_option("--md", a->md, "Write the Markdown table here");
  cmd->add_option("--langs", a->langs, "Only these language codes (comma separated)")->delimiter(',');
  cmd->add_option("--group", a->groups,
                  "Language group NAME=lang,lang (repeatable). Without plans: pooled rows. With plans: mean disparity "
                  "per group; group 'lr' (default: every language outside en de fr es it pt ru zh ja nl and --ref) "
                  "is the 'LR disparity' of the summary table");
  cmd->add_option("--plan,-p", a->plans,
                  "Quantization plan to compare with full precision (repeatable): a preset name (see 'langquant plan "
                  "list'), a .toml/.json plan file, or a one-line plan such as 'base=int4; keep fp16 layers=0,-1'");
  cmd->add_option("--base", a->base, "Base format of presets (default int4; see 'langquant plan show --help')");
  cmd->add_option("--keep", a->keep, "Format of the parts presets protect (default fp16)");
  cmd->add_option("--ref", a->ref, "Reference language of disparity ratios (default en)");
  cmd->add_option("--csv", a->csv, "With plans: write one CSV row per plan x language here (default: --out with .csv)");
  cmd->add_option("--mode", a->mode, "sentence or stream")->check(CLI::IsMember({"sentence", "stream"}));
  cmd->add_option("--ctx", a->ctx, "Context / window length in tokens (default: model's, 1024 max in stream)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-bos", a->no_bos, "Do not prepend BOS in sentence mode");
  cmd->add_option("--bootstrap", a->bootstrap, "Bootstrap replicates for intervals")->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", a->seed, "Bootstrap seed");
  cmd->add_option("--batch-tokens", a->batch_tokens, "Rows per forward pass (sentences are packed)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--resume", a->resume, "Continue a run that was stopped (its progress is kept beside --out until it ends)");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] { run_eval(*a); });
}

}  // namespace lq::cli
