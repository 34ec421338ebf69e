// Job `sweep`: many plans along experiment axes (a recipe, an experiment file or a plan list),
// scored against full precision into a resumable SQLite store (experiments/sweep_store.h) and
// exported as eval's comparison JSON, CSV and Markdown (experiments/sweep_export.h). A sweep
// can run as shards (experiments/sweep_shard.h), each into its own store, merged afterwards
// into a store identical to an unsharded run's (experiments/sweep_merge.h); jobs/sweep_slurm.h
// runs the shards as a Slurm job array.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "experiments/sweep_export.h"
#include "experiments/sweep_merge.h"
#include "jobs/job_progress.h"
#include "jobs/scoring_options.h"

namespace lq::jobs {

struct SweepSpec {
  // What to sweep: exactly one of recipe, experiment, plans. None, and no model: export db only.
  std::string recipe, experiment;
  std::vector<std::string> plans;
  std::string base, keep;  // replace the experiment's formats ("": the experiment's own)
  std::string model, corpus;
  std::string db;          // the store (created, or resumed when it exists)
  ScoringOptions scoring;
  int batch = 16;          // units per stored piece
  int64_t batch_tokens = 2048;
  int sets_per_pass = 8;   // weight sets per engine pass, FP included
  // "K/N": score only shard K of N into db (no exports: merge the shards first). "": all.
  std::string shard;
  // Exports ("" = not written); md and csv default to json with .md / .csv.
  std::string json, md, csv;
};

struct SweepResult {
  std::optional<experiments::SweepExport> exported;  // a whole sweep (or an export of db)
  std::string shard_summary;                          // a shard: what it scored into its store
  // What the command prints: the Markdown tables, or the shard's summary line.
  std::string printed() const { return exported ? exported->md : shard_summary; }
};

// Runs (or resumes) the sweep and writes its exports; without a model, exports spec.db only.
SweepResult run_sweep(const SweepSpec& spec, const JobProgress& progress = {});

// --dry-run: the experiment's generated plans (overhead, rules, tags), as printed.
std::string sweep_plan_list(const SweepSpec& spec);

// --list-recipes: the named recipes with a line each.
std::string sweep_recipes_text();

struct SweepMergeSpec {
  std::vector<std::string> stores;
  std::string out;  // the merged store
};

// `sweep merge`: the shards' stores into one (see experiments/sweep_merge.h); prints a line.
std::string run_sweep_merge(const SweepMergeSpec& spec);

}  // namespace lq::jobs
