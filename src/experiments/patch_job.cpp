#include "experiments/patch_job.h"

#include "core/error.h"
#include "core/progress.h"
#include "eval/corpus.h"
#include "experiments/plan_scoring.h"
#include "model/checkpoint.h"
#include "quant/plan_apply.h"
#include "quant/presets.h"

namespace lq {

PatchReport run_patch_job(const PatchSpec& spec) {
  if (spec.direction != "restore" && spec.direction != "inject" && spec.direction != "both")
    fail("--direction", "'" + spec.direction + "' is not restore, inject or both");
  auto model = Model::load(spec.model);
  auto tok = open_tokenizer(*model);
  Corpus corpus = load_corpus(spec.corpus, spec.langs);
  keep_first_sentences(corpus, spec.sentences);
  const UnitSet units = make_units(corpus, *tok, model->hparams(), UnitOptions{});
  std::vector<std::string> codes;
  for (const auto& l : corpus.languages) codes.push_back(l.code);

  // Patches are parsed before the plan is quantized, so a bad spec fails at once.
  const HParams& hp = model->hparams();
  std::vector<Patch> patches;
  if (spec.patches.empty())
    patches = default_patches(hp, spec.layers, spec.kinds);
  else
    for (const auto& p : spec.patches) patches.push_back(parse_patch(p, hp));
  std::vector<PatchRun> runs;
  for (PatchDirection d : {PatchDirection::Restore, PatchDirection::Inject}) {
    if (spec.direction != "both" && spec.direction != (d == PatchDirection::Restore ? "restore" : "inject")) continue;
    for (const auto& p : patches) runs.push_back({p, d});
  }

  const PreparedPlan plan = prepare_plan(spec.plan, quant::parse_preset_base("--base", spec.base), quant::parse_format(spec.keep), *model);
  quant::QuantCache cache;
  const WeightSet fp(*model), planned = quant::build_weight_set(*model, plan.resolved, cache);
  int64_t rows = 0;
  for (const auto& u : units.units) rows += static_cast<int64_t>(u.ids.size());
  Progress progress("patch", rows, "tokens", spec.quiet);
  EngineOptions eo;
  eo.batch_tokens = spec.batch_tokens;
  const PatchScores scores = score_patches(*model, fp, planned, units, runs, eo, &progress);
  progress.finish();

  PatchReport r;
  r.model = spec.model;
  r.corpus = spec.corpus;
  r.plan = plan.info.name;
  r.plan_line = plan.info.description;
  r.n_layer = static_cast<int>(hp.n_layer);
  r.sentences_per_language = spec.sentences;
  r.bootstrap = spec.bootstrap;
  r.runs = runs;
  r.languages = patch_shares(scores, units, codes, runs, spec.bootstrap);
  return r;
}

}  // namespace lq
