#include "experiments/search_job.h"

#include <filesystem>

#include "core/error.h"
#include "eval/corpus.h"
#include "experiments/resumable_scoring.h"
#include "experiments/run_identity.h"
#include "model/checkpoint.h"

namespace lq::experiments {

SearchJob open_search(const SearchArgs& a, std::vector<TensorGroup> groups) {
  SearchJob j;
  j.target = parse_target(a.target);
  if (!(a.budget > 0)) fail("--budget", "must be a positive share of the parameters");
  j.model = Model::load(a.model);
  const auto tok = open_tokenizer(*j.model);
  const Corpus corpus = load_corpus(a.corpus, a.langs);
  for (const auto& l : corpus.languages) j.codes.push_back(l.code);
  j.co.reference = a.ref;
  j.co.groups = parse_groups(a.lang_groups);
  if (!j.co.groups.count("lr")) j.co.groups["lr"] = default_low_resource(j.codes, a.ref);
  j.co.bootstrap.replicates = a.final_replicates;
  j.co.bootstrap.seed = a.seed;

  ObjectiveSpec spec;
  spec.kind = j.target.kind;
  spec.replicates = a.replicates;
  spec.seed = a.seed;
  spec.reference = -1;
  for (size_t l = 0; l < j.codes.size(); ++l) {
    if (j.codes[l] == a.ref) spec.reference = static_cast<int>(l);
    for (const auto& m : j.co.groups["lr"])
      if (m == j.codes[l]) spec.group.push_back(static_cast<int>(l));
  }
  if (spec.reference < 0) fail(a.corpus, "the corpus has no reference language '" + a.ref + "' (--ref)");
  if (uses_group(spec.kind) && spec.group.empty())
    fail(a.corpus, "no language of group 'lr' in the corpus (give one with --group lr=...)");

  UnitOptions uo;
  j.units = make_units(corpus, *tok, j.model->hparams(), uo);
  j.eo.batch_tokens = a.batch_tokens;
  if (groups.empty()) groups = make_groups(*j.model, a.families, a.keep);
  if (groups.empty()) fail(a.model, "no tensor group of the chosen families selects any parameter");
  j.ev = std::make_unique<ModelEvaluator>(*j.model, j.units, j.codes.size(), std::move(groups), a.base, spec, j.eo);
  if (a.resume && a.progress_of.empty()) fail("--resume", "needs --out (the run's progress is kept beside it)");
  if (!a.progress_of.empty()) {
    // What a stored pass depends on besides its key (unit range and plans): the inputs and
    // the batching. Search options only change which passes are asked for.
    const nlohmann::json setup = {{"identity", run_identity(*j.model, corpus, j.units)},
                                  {"batch_tokens", j.eo.batch_tokens}, {"logit_chunk_rows", j.eo.logit_chunk_rows}};
    j.memo = std::make_unique<PassMemo>(progress_path(a.progress_of), a.resume, a.command, setup);
    j.ev->set_memo(j.memo.get());
  }
  return j;
}

SearchOptions search_options(const SearchArgs& a, const Target& t) {
  SearchOptions o;
  if (a.method == "greedy") o.method = SearchOptions::Greedy;
  else if (a.method == "beam") o.method = SearchOptions::Beam;
  else fail("--method " + a.method, "expected greedy or beam");
  o.width = a.width;
  o.target = t;
  o.budget = a.budget;
  o.race = !a.no_race;
  o.race_start = a.race_start;
  return o;
}

}  // namespace lq::experiments
