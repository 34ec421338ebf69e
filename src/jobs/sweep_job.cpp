#include "jobs/sweep_job.h"

#include <filesystem>
#include <memory>
#include <sstream>

#include "core/error.h"
#include "eval/corpus.h"
#include "eval/units.h"
#include "experiments/experiment.h"
#include "experiments/plan_scoring.h"
#include "experiments/recipes.h"
#include "experiments/run_identity.h"
#include "experiments/sweep_runner.h"
#include "experiments/sweep_shard.h"
#include "jobs/output_files.h"
#include "model/checkpoint.h"
#include "quant/presets.h"

namespace lq::jobs {
namespace {

using nlohmann::json;

experiments::Experiment choose_experiment(const SweepSpec& s) {
  const int n = !s.recipe.empty() + !s.experiment.empty() + !s.plans.empty();
  if (n != 1) fail("sweep", "give exactly one of --recipe, --experiment or --plan");
  experiments::Experiment e;
  if (!s.recipe.empty()) {
    e = experiments::load_recipe(s.recipe);
  } else if (!s.experiment.empty()) {
    e = experiments::load_experiment(s.experiment);
  } else {
    json axis = {{"type", "plans"}, {"plans", s.plans}};
    e = experiments::experiment_from_json({{"name", "plans"}, {"axis", json::array({axis})}}, "--plan");
  }
  // --base/--keep replace the experiment's own formats (presets and generated plans).
  if (!s.base.empty()) e.base = quant::parse_preset_base("--base", s.base);
  if (!s.keep.empty()) e.keep = quant::parse_format(s.keep);
  return e;
}

// The model, the corpus cut into units and the experiment's plans, prepared against the model.
struct Loaded {
  experiments::Experiment e;
  std::unique_ptr<Model> model;
  Corpus corpus;
  UnitSet units;
  std::vector<PreparedPlan> prepared;
  json plans = json::array();  // {name, plan, tags, overhead, size_bytes, bits_per_weight}
};

Loaded load(const SweepSpec& s) {
  Loaded l;
  l.e = choose_experiment(s);
  l.model = Model::load(s.model);
  auto tok = open_tokenizer(*l.model);
  l.corpus = load_corpus(s.corpus, s.scoring.langs);
  const UnitOptions uo = s.scoring.unit_options();
  if (l.e.length_buckets && uo.mode != ScoreMode::Sentence)
    fail(l.e.source, "length buckets compare sentences by length: use --mode sentence");
  l.units = make_units(l.corpus, *tok, l.model->hparams(), uo);
  experiments::ModelShape shape;
  shape.n_layer = static_cast<int>(l.model->hparams().n_layer);
  for (const auto& t : l.model->tensors())
    for (const auto& r : t.roles) shape.tensor_names.push_back(r);
  const Model& model = *l.model;
  shape.overhead = [&](const quant::Plan& p) { return prepare_plan(p, "", model).info.overhead; };
  for (const auto& g : experiments::generate_plans(l.e, shape)) {
    l.prepared.push_back(prepare_plan(g.plan, g.name, model));
    const PlanInfo& pi = l.prepared.back().info;
    l.plans.push_back({{"name", pi.name}, {"plan", pi.description}, {"tags", g.tags}, {"overhead", pi.overhead},
                       {"size_bytes", pi.size_bytes}, {"bits_per_weight", pi.bits_per_weight}});
  }
  return l;
}

// Everything the store records about the sweep, so a resumed or merged run is the same one.
experiments::SweepSetup make_setup(const SweepSpec& s, const Loaded& l) {
  const PlanInfo fp = full_precision_info(*l.model);
  experiments::SweepSetup st;
  st.scoring = {{"model", s.model},
                {"corpus", s.corpus},
                {"languages", s.scoring.langs},
                {"mode", mode_name(s.scoring.unit_options().mode)},
                {"n_ctx", l.units.n_ctx},
                {"bos", l.units.bos},
                {"batch", s.batch},
                {"batch_tokens", s.batch_tokens},
                {"parameters", l.model->parameter_count()},
                {"fp_size_bytes", fp.size_bytes},
                {"fp_bits_per_weight", fp.bits_per_weight}};
  st.plans = l.plans;
  st.identity = experiments::run_identity(*l.model, l.corpus, l.units);
  st.sweep = {{"experiment", l.e.name}, {"description", l.e.description}, {"source", l.e.source},
              {"recipe", s.recipe.empty() ? json() : json(s.recipe)}, {"axes", l.e.axes},
              {"length_buckets", l.e.length_buckets}};
  for (const auto& lang : l.corpus.languages) st.languages.push_back(lang.code);
  for (const auto& u : l.units.units) st.units.push_back({u.lang, u.bytes, u.chars});
  st.pieces = experiments::make_pieces(l.units, s.batch);
  if (l.e.length_buckets) {
    std::vector<int> count(st.languages.size(), 0);
    for (const auto& u : st.units) count[static_cast<size_t>(u.lang)]++;
    for (size_t i = 0; i < count.size(); ++i)
      if (count[i] < 3) fail(s.corpus, "language '" + st.languages[i] + "' has fewer than 3 sentences for length buckets");
  }
  return st;
}

std::vector<int64_t> piece_rows(const UnitSet& units, const std::vector<experiments::Piece>& pieces) {
  std::vector<int64_t> rows;
  for (const auto& p : pieces) {
    int64_t r = 0;
    for (int u = p.first; u < p.end; ++u) r += units.rows_of(units.units[static_cast<size_t>(u)]);
    rows.push_back(r);
  }
  return rows;
}

int64_t cells_done(experiments::SweepStore& store, const experiments::CellRange& range, int sets) {
  int64_t n = 0;
  for (const auto& [set, piece] : store.done()) n += range.owns(set, piece, sets);
  return n;
}

}  // namespace

SweepResult run_sweep(const SweepSpec& s, const JobProgress& progress) {
  if (s.db.empty()) fail("sweep", "--db is required (the SQLite file results go to)");
  const std::string md_path = !s.md.empty() ? s.md : sibling_path(s.json, ".md");
  const std::string csv_path = !s.csv.empty() ? s.csv : sibling_path(s.json, ".csv");
  if (!s.json.empty() && (md_path == s.json || csv_path == s.json || md_path == csv_path))
    fail(s.json, "the JSON, Markdown and CSV outputs must be different files");
  if (!s.shard.empty() && (!s.json.empty() || !md_path.empty() || !csv_path.empty()))
    fail("--shard " + s.shard, "a shard's store holds part of the sweep: merge the shards ('langquant sweep merge'), "
                               "then export the merged store (drop --out, --md and --csv here)");
  experiments::ExportOptions xo;
  xo.reference = s.scoring.ref;
  xo.groups = s.scoring.parsed_groups();
  xo.bootstrap = s.scoring.bootstrap_options();
  SweepResult result;

  if (s.model.empty()) {
    // Export only: everything needed is in the store.
    if (!s.recipe.empty() || !s.experiment.empty() || !s.plans.empty() || !s.corpus.empty() || !s.shard.empty())
      fail("sweep", "--model is required to run a sweep (without it, sweep only exports --db)");
    if (!std::filesystem::exists(s.db)) fail(s.db, "no such sweep database");
    experiments::SweepStore store(s.db);
    if (!store.initialized()) fail(s.db, "not a langquant sweep database");
    const json shard = store.setup().shard;
    if (!shard.is_null())
      fail(s.db, "holds " + experiments::share_name(shard) + " of a sweep only: merge the shards ('langquant sweep "
                 "merge'), then export the merged store");
    OutputFiles outputs({s.json, md_path, csv_path});
    result.exported = experiments::export_sweep(store, xo);
    outputs.write(0, result.exported->json);
    outputs.write(1, result.exported->md);
    outputs.write(2, result.exported->csv);
    outputs.commit();
    return result;
  }
  if (s.corpus.empty()) fail("sweep", "--corpus is required with --model");
  const experiments::Shard shard = s.shard.empty() ? experiments::Shard{} : experiments::parse_shard(s.shard);
  OutputFiles outputs({s.json, md_path, csv_path});
  // Locked before the model loads: a second sweep on this database stops at once.
  experiments::SweepStore store(s.db);

  const Loaded l = load(s);
  experiments::SweepSetup st = make_setup(s, l);
  const int sets = static_cast<int>(l.plans.size()) + 1;
  const experiments::CellRange range = shard_cells(shard, piece_rows(l.units, st.pieces), sets);
  if (!s.shard.empty()) st.shard = experiments::shard_json(shard, range);
  if (store.initialized()) store.check_same(st);
  else store.initialize(st);
  experiments::RunOptions ro;
  ro.engine.batch_tokens = s.batch_tokens;
  ro.sets_per_pass = s.sets_per_pass;
  ro.quiet = progress.quiet;
  if (!s.shard.empty()) ro.owns = [&](int set, int piece) { return range.owns(set, piece, sets); };
  const int64_t before = cells_done(store, range, sets);
  experiments::run_sweep(*l.model, l.units, l.prepared, st.pieces, store, ro);
  if (!s.shard.empty()) {
    std::ostringstream line;
    line << "shard " << shard.index << "/" << shard.count << " of experiment " << l.e.name << ": "
         << range.end - range.first << " of " << static_cast<int64_t>(sets) * static_cast<int64_t>(st.pieces.size())
         << " (plan, piece) cells, full precision counted as a plan, stored in " << s.db << " ("
         << cells_done(store, range, sets) - before << " by this run); 'langquant sweep merge' joins the shards\n";
    result.shard_summary = line.str();
    return result;
  }
  result.exported = experiments::export_sweep(store, xo);
  outputs.write(0, result.exported->json);
  outputs.write(1, result.exported->md);
  outputs.write(2, result.exported->csv);
  outputs.commit();
  return result;
}

std::string sweep_plan_list(const SweepSpec& s) {
  if (s.model.empty()) fail("sweep", "--model is required to run a sweep (without it, sweep only exports --db)");
  if (s.corpus.empty()) fail("sweep", "--corpus is required with --model");
  const Loaded l = load(s);
  std::ostringstream out;
  out << "experiment " << l.e.name << ": " << l.plans.size() << " plans\n";
  for (const auto& p : l.plans)
    out << "  " << p["name"].get<std::string>() << "  overhead " << p["overhead"].get<double>() * 100 << "%  "
        << p["plan"].get<std::string>() << "  " << p["tags"].dump() << "\n";
  return out.str();
}

std::string sweep_recipes_text() {
  std::ostringstream out;
  out << "Recipes (langquant sweep --recipe NAME; --show-recipe NAME prints its experiment file):\n";
  for (const auto& r : experiments::recipe_list())
    out << "  " << r.name << std::string(r.name.size() < 18 ? 18 - r.name.size() : 1, ' ') << r.description << " ["
        << r.seeds << "]\n";
  return out.str();
}

std::string run_sweep_merge(const SweepMergeSpec& spec) {
  const auto sum = experiments::merge_sweep_stores(spec.stores, spec.out);
  return "merged " + std::to_string(sum.stores) + " stores into " + spec.out + ": " + std::to_string(sum.cells) +
         " (plan, piece) cells, " + std::to_string(sum.written) + " copied by this merge\n";
}

}  // namespace lq::jobs
