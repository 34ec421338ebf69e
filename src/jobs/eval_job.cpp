#include "jobs/eval_job.h"

#include <algorithm>
#include <memory>

#include "core/error.h"
#include "core/json_file.h"
#include "core/progress.h"
#include "core/schema_version.h"
#include "eval/engine.h"
#include "experiments/plan_scoring.h"
#include "experiments/resumable_scoring.h"
#include "jobs/output_files.h"
#include "model/checkpoint.h"
#include "model/weight_set.h"
#include "quant/plan_apply.h"
#include "quant/presets.h"

namespace lq::jobs {
namespace {

std::vector<UnitTotals> unit_totals(const LanguageScores& ls) {
  std::vector<UnitTotals> t(ls.tokens.size());
  for (size_t i = 0; i < t.size(); ++i) t[i] = {ls.nll[0][i], ls.tokens[i], ls.bytes[i], ls.chars[i]};
  return t;
}

// Full precision alone: one summary per language, and per group one over its pooled sentences.
EvalResults summarize_single(const EvalSpec& s, const Corpus& corpus, const UnitSet& units,
                             const std::vector<LanguageScores>& scores,
                             const std::map<std::string, std::vector<std::string>>& groups) {
  const BootstrapOptions bo = s.scoring.bootstrap_options();
  EvalResults r;
  r.model = s.model;
  r.corpus = s.corpus;
  r.corpus_layout = corpus.layout;
  r.mode = mode_name(s.scoring.unit_options().mode);
  r.n_ctx = units.n_ctx;
  r.bos = units.bos;
  r.truncated = units.truncated;
  r.bootstrap_replicates = s.scoring.bootstrap;
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
  return r;
}

}  // namespace

EvalResult run_eval(const EvalSpec& s, const JobProgress& progress) {
  auto model = Model::load(s.model);
  auto tok = open_tokenizer(*model);
  const Corpus corpus = load_corpus(s.corpus, s.scoring.langs);
  const auto groups = s.scoring.parsed_groups();
  check_groups_in_corpus(groups, corpus, s.corpus);
  const UnitOptions uo = s.scoring.unit_options();
  const UnitSet units = make_units(corpus, *tok, model->hparams(), uo);

  // Outputs opened before the long computation, so that an unwritable path fails now rather
  // than after it; committed together at the end (all of them or none).
  const std::string md_path = !s.md.empty() ? s.md : sibling_path(s.json, ".md");
  if (!s.csv.empty() && s.plans.empty()) fail(s.csv, "--csv is written for plan comparisons: add --plan");
  const std::string csv_path = !s.csv.empty() ? s.csv : s.plans.empty() ? "" : sibling_path(s.json, ".csv");
  OutputFiles outputs({s.json, md_path, csv_path});
  const std::string progress_of = !s.json.empty() ? s.json : md_path;  // kept beside it while the run lasts
  if (s.resume && progress_of.empty()) fail("--resume", "needs --out or --md (the run's progress is kept beside it)");
  std::unique_ptr<experiments::ResumableScoring> checkpoint;
  if (!progress_of.empty())
    checkpoint = std::make_unique<experiments::ResumableScoring>(experiments::progress_path(progress_of), s.resume, "eval");

  // Full precision first, then one weight set per plan; quantized tensors are built once and
  // shared between plans through the cache.
  std::vector<std::string> names = {"full-precision"};
  std::vector<PlanInfo> infos = {full_precision_info(*model)};
  std::vector<std::unique_ptr<WeightSet>> owned;
  owned.push_back(std::make_unique<WeightSet>(*model));
  quant::QuantCache cache;
  const quant::Format base = quant::parse_preset_base("--base", s.base), keep = quant::parse_format(s.keep);
  for (const auto& spec : s.plans) {
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
  Progress bar("eval", rows, "tokens", progress.quiet);
  EngineOptions eo;
  eo.batch_tokens = s.batch_tokens;
  EngineOptions::Work work;
  eo.work = &work;
  std::vector<std::string> codes;
  for (const auto& l : corpus.languages) codes.push_back(l.code);
  const std::vector<LanguageScores> scores =
      language_scores(codes, units, checkpoint ? checkpoint->score(*model, corpus, units, sets, infos, eo, &bar)
                                               : score_sets(*model, sets, units, eo, &bar), S);
  bar.finish();

  EvalResult r;
  r.work = work;
  r.n_layer = model->hparams().n_layer;
  if (S == 1) {
    r.single = summarize_single(s, corpus, units, scores, groups);
  } else {
    ComparisonOptions co;
    co.reference = s.scoring.ref;
    co.bootstrap = s.scoring.bootstrap_options();
    co.groups = groups;
    if (!co.groups.count("lr")) co.groups["lr"] = default_low_resource(codes, s.scoring.ref);
    ComparisonReport rep;
    rep.model = s.model;
    rep.corpus = s.corpus;
    rep.mode = mode_name(uo.mode);
    rep.reference = s.scoring.ref;
    rep.primary_group = "lr";
    rep.n_ctx = units.n_ctx;
    rep.bos = units.bos;
    rep.replicates = s.scoring.bootstrap;
    rep.seed = co.bootstrap.seed;
    rep.truncated = units.truncated;
    rep.plans = infos;
    rep.comparison = compare_plans(scores, names, co);
    r.comparison = std::move(rep);
  }
  outputs.write(0, r.to_json().dump(2) + "\n");
  outputs.write(1, r.to_markdown());
  outputs.write(2, r.to_csv());
  outputs.commit();
  if (checkpoint) checkpoint->finish();
  return r;
}

nlohmann::json EvalResult::to_json() const {
  nlohmann::json j = single ? lq::to_json(*single) : comparison_json(*comparison);
  stamp_schema_version(j, kSchemaVersion);
  return j;
}

std::string EvalResult::to_markdown() const { return single ? lq::to_markdown(*single) : comparison_markdown(*comparison); }

std::string EvalResult::to_csv() const { return comparison ? comparison_csv(*comparison) : ""; }

nlohmann::json EvalResult::read_json(const std::string& path) {
  nlohmann::json j = read_json_file(path);
  check_schema_version(j, path, "eval result", kSchemaVersion);
  return j;
}

}  // namespace lq::jobs
