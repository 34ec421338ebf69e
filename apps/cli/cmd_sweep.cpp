// langquant sweep (and sweep merge): argv -> jobs::SweepSpec / SlurmSpec / SweepMergeSpec; prints
// what the job returns (jobs/sweep_job.h, jobs/sweep_slurm.h do the work and write the files).
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/scoring_flags.h"
#include "experiments/experiment.h"
#include "experiments/recipes.h"
#include "jobs/sweep_job.h"
#include "jobs/sweep_slurm.h"

namespace lq::cli {
namespace {

struct Args {
  jobs::SweepSpec spec;
  jobs::SlurmSpec slurm;
  jobs::SweepMergeSpec merge;
  std::string show_recipe;
  bool list_recipes = false, help_experiments = false, dry_run = false;
  ComputeOptions compute;
};

void run(Args& a) {
  if (a.list_recipes) {
    std::cout << jobs::sweep_recipes_text();
  } else if (a.help_experiments) {
    std::cout << experiments::experiment_help() << "\n";
  } else if (!a.show_recipe.empty()) {
    std::cout << experiments::recipe_text(a.show_recipe);
  } else if (!a.slurm.dir.empty()) {
    a.slurm.program = std::filesystem::read_symlink("/proc/self/exe").string();
    a.slurm.threads = a.compute.threads;
    std::cout << jobs::write_sweep_slurm(a.spec, a.slurm);
  } else if (a.dry_run) {
    apply_threads(a.compute);
    std::cout << jobs::sweep_plan_list(a.spec);
  } else {
    apply_threads(a.compute);
    std::cout << jobs::run_sweep(a.spec, {a.compute.quiet, nullptr}).printed();
  }
}

void register_merge(CLI::App& sweep, Args& a) {
  auto* m = sweep.add_subcommand(
      "merge",
      "Join the stores of a sharded sweep (sweep --shard K/N, one per shard) into one store that holds exactly\n"
      "what an unsharded run holds: its exports (sweep --db OUT -o ...) are byte-identical. Refused, with one\n"
      "line naming the store, when a store is of another sweep, unfinished, or disagrees with another.");
  m->add_option("stores", a.merge.stores, "The shards' stores")->required();
  m->add_option("--out,-o,--db", a.merge.out, "The merged store (resumed when it exists)")->required();
  m->callback([&a] { std::cout << jobs::run_sweep_merge(a.merge); });
}

}  // namespace

void register_sweep(CLI::App& app) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "sweep",
      "Score many plans (an experiment: a recipe, an experiment file or --plan list) against full precision\n"
      "on a corpus, writing results into a SQLite file (--db) as they complete: a sweep stopped at any\n"
      "moment (even killed) resumes where it stopped when run again with the same options, and gives the\n"
      "same numbers as an uninterrupted run. Units are cut into pieces of --batch sentences of one\n"
      "language; every plan a piece still lacks is scored with full precision in the same pass (KL needs\n"
      "FP logits), at most --sets-per-pass weight sets at once. Outputs: the JSON of 'eval --plan --out'\n"
      "plus per-plan 'tags' and a 'sweep' section, CSV and Markdown. Without --model, exports --db only.\n"
      "On a cluster: --shard K/N scores one share into its own store, 'sweep merge' joins the shards'\n"
      "stores, and --slurm DIR --shards N writes (--submit: submits) a Slurm job array doing both.\n"
      "See --list-recipes, --show-recipe NAME and --help-experiments.");
  jobs::SweepSpec& s = a->spec;
  jobs::SlurmSpec& r = a->slurm;
  cmd->add_option("--recipe,-r", s.recipe, "A named recipe (see --list-recipes)");
  cmd->add_option("--experiment,-e", s.experiment, "An experiment file (.toml or .json; see --help-experiments)");
  cmd->add_option("--plan,-p", s.plans, "Plans to sweep instead of an experiment (repeatable, as in eval)");
  cmd->add_flag("--list-recipes", a->list_recipes, "List the recipes and exit");
  cmd->add_option("--show-recipe", a->show_recipe, "Print a recipe's experiment file and exit");
  cmd->add_flag("--help-experiments", a->help_experiments, "Describe the experiment file format and exit");
  cmd->add_flag("--dry-run", a->dry_run, "Print the generated plans (overhead, rules, tags) and exit");
  cmd->add_option("--model,-m", s.model, "Checkpoint: a Hugging Face folder or a GGUF file");
  cmd->add_option("--corpus,-c", s.corpus, "Corpus folder or file");
  cmd->add_option("--db", s.db, "SQLite file the results go to (created, or resumed when it exists)");
  cmd->add_option("--out,-o", s.json, "Write the comparison as JSON here (and .md, .csv beside it)");
  cmd->add_option("--md", s.md, "Write the Markdown tables here");
  cmd->add_option("--csv", s.csv, "Write one CSV row per plan x language here");
  add_scoring_flags(*cmd, s.scoring);
  cmd->add_option("--base", s.base, "Base format, replacing the experiment's (default: the experiment's, int4)");
  cmd->add_option("--keep", s.keep, "Format of kept parts, replacing the experiment's (default fp16)");
  cmd->add_option("--batch", s.batch, "Units per stored piece (default 16)")->check(CLI::PositiveNumber);
  cmd->add_option("--batch-tokens", s.batch_tokens, "Rows per forward pass inside a piece")->check(CLI::PositiveNumber);
  cmd->add_option("--sets-per-pass", s.sets_per_pass, "Weight sets per pass, FP included (default 8)")
      ->check(CLI::Range(2, 1 << 20));
  cmd->add_option("--shard", s.shard, "K/N: score only shard K of N (from 1) into --db; join with 'sweep merge'");
  cmd->add_option("--slurm", r.dir, "Write a Slurm job array running --shards N shards and the merge into DIR");
  cmd->add_option("--shards", r.shards, "With --slurm: the number of shards (array tasks)")->check(CLI::PositiveNumber);
  cmd->add_flag("--submit", r.submit, "With --slurm: submit the jobs (DIR/submit.sh) after writing them");
  cmd->add_option("--partition", r.partition, "With --slurm: sbatch --partition");
  cmd->add_option("--time", r.time, "With --slurm: sbatch --time (per job)");
  cmd->add_option("--cpus-per-task", r.cpus_per_task, "With --slurm: sbatch --cpus-per-task (and each shard's --threads)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--mem", r.mem, "With --slurm: sbatch --mem (per job)");
  add_compute_options(*cmd, a->compute);
  register_merge(*cmd, *a);
  cmd->callback([a, cmd] {
    if (!cmd->get_subcommand("merge")->parsed()) run(*a);
  });
}

}  // namespace lq::cli
