// langquant sweep: many plans along experiment axes, scored into a resumable SQLite store.
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "model/checkpoint.h"
#include "core/atomic_file.h"
#include "eval/corpus.h"
#include "eval/units.h"
#include "experiments/experiment.h"
#include "experiments/plan_scoring.h"
#include "experiments/recipes.h"
#include "experiments/run_identity.h"
#include "experiments/sweep_export.h"
#include "experiments/sweep_runner.h"
#include "quant/presets.h"

namespace lq::cli {
namespace {

using nlohmann::json;

struct SweepArgs {
  std::string recipe, experiment, show_recipe, model, corpus, db, out, md, csv;
  std::vector<std::string> plans, langs, groups;
  std::string base, keep, ref = "en", mode = "sentence";
  int64_t ctx = 0, batch_tokens = 2048;
  int batch = 16, sets_per_pass = 8, bootstrap = 1000;
  uint64_t seed = 20260105;
  bool no_bos = false, list_recipes = false, help_experiments = false, dry_run = false;
  ComputeOptions compute;
};

std::string with_extension(const std::string& path, const char* ext) {
  return std::filesystem::path(path).replace_extension(ext).string();
}

experiments::Experiment choose_experiment(const SweepArgs& a) {
  const int n = !a.recipe.empty() + !a.experiment.empty() + !a.plans.empty();
  if (n != 1) fail("sweep", "give exactly one of --recipe, --experiment or --plan");
  experiments::Experiment e;
  if (!a.recipe.empty()) {
    e = experiments::load_recipe(a.recipe);
  } else if (!a.experiment.empty()) {
    e = experiments::load_experiment(a.experiment);
  } else {
    json axis = {{"type", "plans"}, {"plans", a.plans}};
    e = experiments::experiment_from_json({{"name", "plans"}, {"axis", json::array({axis})}}, "--plan");
  }
  // --base/--keep replace the experiment's own formats (presets and generated plans).
  if (!a.base.empty()) e.base = quant::parse_preset_base("--base", a.base);
  if (!a.keep.empty()) e.keep = quant::parse_format(a.keep);
  return e;
}

void print_recipes() {
  std::cout << "Recipes (langquant sweep --recipe NAME; --show-recipe NAME prints its experiment file):\n";
  for (const auto& r : experiments::recipe_list())
    std::cout << "  " << r.name << std::string(r.name.size() < 18 ? 18 - r.name.size() : 1, ' ') << r.description
              << " [" << r.seeds << "]\n";
}

// The exported files (JSON, Markdown, CSV; each optional), opened before the sweep runs so
// that an unwritable path fails at once, not after the sweep; written all of them or none.
struct SweepOutputs {
  std::unique_ptr<AtomicFile> files[3];
};

SweepOutputs open_outputs(const SweepArgs& a, const std::string& md_path, const std::string& csv_path) {
  SweepOutputs o;
  const std::string paths[3] = {a.out, md_path, csv_path};
  for (int i = 0; i < 3; ++i)
    if (!paths[i].empty()) o.files[i] = std::make_unique<AtomicFile>(paths[i], true);
  return o;
}

void write_outputs(SweepOutputs& o, const experiments::SweepExport& ex) {
  const std::string* texts[3] = {&ex.json, &ex.md, &ex.csv};
  for (int i = 0; i < 3; ++i)
    if (o.files[i]) o.files[i]->stream() << *texts[i];
  for (auto& f : o.files)
    if (f && !f->stream().flush()) fail(f->path(), "write failed (disk full?)");
  for (auto& f : o.files)
    if (f) f->commit();
}

void run_sweep_command(const SweepArgs& a) {
  if (a.list_recipes) return print_recipes();
  if (a.help_experiments) {
    std::cout << experiments::experiment_help() << "\n";
    return;
  }
  if (!a.show_recipe.empty()) {
    std::cout << experiments::recipe_text(a.show_recipe);
    return;
  }
  if (a.db.empty() && !a.dry_run) fail("sweep", "--db is required (the SQLite file results go to)");
  const std::string md_path = !a.md.empty() ? a.md : a.out.empty() ? "" : with_extension(a.out, ".md");
  const std::string csv_path = !a.csv.empty() ? a.csv : a.out.empty() ? "" : with_extension(a.out, ".csv");
  if (!a.out.empty() && (md_path == a.out || csv_path == a.out || md_path == csv_path))
    fail(a.out, "the JSON, Markdown and CSV outputs must be different files");
  experiments::ExportOptions xo;
  xo.reference = a.ref;
  xo.groups = parse_groups(a.groups);
  xo.bootstrap.replicates = a.bootstrap;
  xo.bootstrap.seed = a.seed;

  if (a.model.empty()) {
    // Export only: everything needed is in the store.
    if (!a.recipe.empty() || !a.experiment.empty() || !a.plans.empty() || !a.corpus.empty())
      fail("sweep", "--model is required to run a sweep (without it, sweep only exports --db)");
    if (!std::filesystem::exists(a.db)) fail(a.db, "no such sweep database");
    experiments::SweepStore store(a.db);
    if (!store.initialized()) fail(a.db, "not a langquant sweep database");
    SweepOutputs outputs = open_outputs(a, md_path, csv_path);
    const auto ex = experiments::export_sweep(store, xo);
    write_outputs(outputs, ex);
    std::cout << ex.md;
    return;
  }
  if (a.corpus.empty()) fail("sweep", "--corpus is required with --model");
  SweepOutputs outputs = a.dry_run ? SweepOutputs{} : open_outputs(a, md_path, csv_path);
  // Locked before the model loads: a second sweep on this database stops at once.
  std::unique_ptr<experiments::SweepStore> store;
  if (!a.dry_run) store = std::make_unique<experiments::SweepStore>(a.db);

  apply_threads(a.compute);
  const experiments::Experiment e = choose_experiment(a);
  auto model = Model::load(a.model);
  auto tok = open_tokenizer(*model);
  const Corpus corpus = load_corpus(a.corpus, a.langs);
  UnitOptions uo;
  uo.mode = a.mode == "stream" ? ScoreMode::Stream : ScoreMode::Sentence;
  uo.n_ctx = a.ctx;
  uo.add_bos = !a.no_bos;
  if (e.length_buckets && uo.mode != ScoreMode::Sentence)
    fail(e.source, "length buckets compare sentences by length: use --mode sentence");
  const UnitSet units = make_units(corpus, *tok, model->hparams(), uo);

  experiments::ModelShape shape;
  shape.n_layer = static_cast<int>(model->hparams().n_layer);
  for (const auto& t : model->tensors())
    for (const auto& r : t.roles) shape.tensor_names.push_back(r);
  shape.overhead = [&](const quant::Plan& p) { return prepare_plan(p, "", *model).info.overhead; };
  const auto generated = experiments::generate_plans(e, shape);
  std::vector<PreparedPlan> prepared;
  json plans = json::array();
  for (const auto& g : generated) {
    prepared.push_back(prepare_plan(g.plan, g.name, *model));
    const PlanInfo& pi = prepared.back().info;
    plans.push_back({{"name", pi.name}, {"plan", pi.description}, {"tags", g.tags}, {"overhead", pi.overhead},
                     {"size_bytes", pi.size_bytes}, {"bits_per_weight", pi.bits_per_weight}});
  }
  if (a.dry_run) {
    std::cout << "experiment " << e.name << ": " << plans.size() << " plans\n";
    for (const auto& p : plans)
      std::cout << "  " << p["name"].get<std::string>() << "  overhead " << p["overhead"].get<double>() * 100
                << "%  " << p["plan"].get<std::string>() << "  " << p["tags"].dump() << "\n";
    return;
  }

  const PlanInfo fp = full_precision_info(*model);
  experiments::SweepSetup st;
  st.scoring = {{"model", a.model},
                {"corpus", a.corpus},
                {"languages", a.langs},
                {"mode", mode_name(uo.mode)},
                {"n_ctx", units.n_ctx},
                {"bos", units.bos},
                {"batch", a.batch},
                {"batch_tokens", a.batch_tokens},
                {"parameters", model->parameter_count()},
                {"fp_size_bytes", fp.size_bytes},
                {"fp_bits_per_weight", fp.bits_per_weight}};
  st.plans = plans;
  st.identity = experiments::run_identity(*model, corpus, units);
  st.sweep = {{"experiment", e.name}, {"description", e.description}, {"source", e.source},
              {"recipe", a.recipe.empty() ? json() : json(a.recipe)}, {"axes", e.axes},
              {"length_buckets", e.length_buckets}};
  for (const auto& l : corpus.languages) st.languages.push_back(l.code);
  for (const auto& u : units.units) st.units.push_back({u.lang, u.bytes, u.chars});
  st.pieces = experiments::make_pieces(units, a.batch);
  if (e.length_buckets) {
    std::vector<int> count(st.languages.size(), 0);
    for (const auto& u : st.units) count[static_cast<size_t>(u.lang)]++;
    for (size_t l = 0; l < count.size(); ++l)
      if (count[l] < 3) fail(a.corpus, "language '" + st.languages[l] + "' has fewer than 3 sentences for length buckets");
  }

  if (store->initialized()) store->check_same(st);
  else store->initialize(st);
  experiments::RunOptions ro;
  ro.engine.batch_tokens = a.batch_tokens;
  ro.sets_per_pass = a.sets_per_pass;
  ro.quiet = a.compute.quiet;
  experiments::run_sweep(*model, units, prepared, st.pieces, *store, ro);
  const auto ex = experiments::export_sweep(*store, xo);
  write_outputs(outputs, ex);
  std::cout << ex.md;
}

}  // namespace

void register_sweep(CLI::App& app) {
  auto a = std::make_shared<SweepArgs>();
  auto* cmd = app.add_subcommand(
      "sweep",
      "Score many plans (an experiment: a recipe, an experiment file or --plan list) against full precision\n"
      "on a corpus, writing results into a SQLite file (--db) as they complete: a sweep stopped at any\n"
      "moment (even killed) resumes where it stopped when run again with the same options, and gives the\n"
      "same numbers as an uninterrupted run. Units are cut into pieces of --batch sentences of one\n"
      "language; every plan a piece still lacks is scored with full precision in the same pass (KL needs\n"
      "FP logits), at most --sets-per-pass weight sets at once. Outputs: the JSON of 'eval --plan --out'\n"
      "plus per-plan 'tags' and a 'sweep' section, CSV and Markdown. Without --model, exports --db only.\n"
      "See --list-recipes, --show-recipe NAME and --help-experiments.");
  cmd->add_option("--recipe,-r", a->recipe, "A named recipe (see --list-recipes)");
  cmd->add_option("--experiment,-e", a->experiment, "An experiment file (.toml or .json; see --help-experiments)");
  cmd->add_option("--plan,-p", a->plans, "Plans to sweep instead of an experiment (repeatable, as in eval)");
  cmd->add_flag("--list-recipes", a->list_recipes, "List the recipes and exit");
  cmd->add_option("--show-recipe", a->show_recipe, "Print a recipe's experiment file and exit");
  cmd->add_flag("--help-experiments", a->help_experiments, "Describe the experiment file format and exit");
  cmd->add_flag("--dry-run", a->dry_run, "Print the generated plans (overhead, rules, tags) and exit");
  cmd->add_option("--model,-m", a->model, "Checkpoint: a Hugging Face folder or a GGUF file");
  cmd->add_option("--corpus,-c", a->corpus, "Corpus folder or file");
  cmd->add_option("--db", a->db, "SQLite file the results go to (created, or resumed when it exists)");
  cmd->add_option("--out,-o", a->out, "Write the comparison as JSON here (and .md, .csv beside it)");
  cmd->add_option("--md", a->md, "Write the Markdown tables here");
  cmd->add_option("--csv", a->csv, "Write one CSV row per plan x language here");
  cmd->add_option("--langs", a->langs, "Only these language codes (comma separated)")->delimiter(',');
  cmd->add_option("--group", a->groups, "Language group NAME=lang,lang (repeatable); 'lr' as in eval");
  cmd->add_option("--ref", a->ref, "Reference language of disparity ratios (default en)");
  cmd->add_option("--base", a->base, "Base format, replacing the experiment's (default: the experiment's, int4)");
  cmd->add_option("--keep", a->keep, "Format of kept parts, replacing the experiment's (default fp16)");
  cmd->add_option("--mode", a->mode, "sentence or stream")->check(CLI::IsMember({"sentence", "stream"}));
  cmd->add_option("--ctx", a->ctx, "Context / window length in tokens (default: model's)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-bos", a->no_bos, "Do not prepend BOS in sentence mode");
  cmd->add_option("--batch", a->batch, "Units per stored piece (default 16)")->check(CLI::PositiveNumber);
  cmd->add_option("--batch-tokens", a->batch_tokens, "Rows per forward pass inside a piece")->check(CLI::PositiveNumber);
  cmd->add_option("--sets-per-pass", a->sets_per_pass, "Weight sets per pass, FP included (default 8)")
      ->check(CLI::Range(2, 1 << 20));
  cmd->add_option("--bootstrap", a->bootstrap, "Bootstrap replicates for intervals")->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", a->seed, "Bootstrap seed");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] { run_sweep_command(*a); });
}

}  // namespace lq::cli
