// A sweep as a Slurm job array: `langquant sweep ... --slurm DIR --shards N` writes three
// readable scripts into DIR and, with submit, runs the last one:
//   shard.sh   the array task K (0..N-1) runs shard K+1 of N into DIR/shard-<K+1>-of-N.sqlite and
//              marks it finished (DIR/shard-<K+1>-of-N.done); a task run again resumes its store;
//   merge.sh   merges the shards' stores into the sweep's --db (experiments/sweep_merge.h) and
//              exports it (--out, --md, --csv), as the unsharded command would;
//   submit.sh  `sbatch --array=0-(N-1) shard.sh`, then the merge job with
//              --dependency=afterok:<array job>; run again after a task failed or was cancelled,
//              it submits only the unfinished shards and a new merge job after them.
// Resource flags (partition, time, cpus-per-task, mem) become #SBATCH lines of both jobs. The
// scripts run in the folder the command ran in, so relative paths mean the same, and the shards
// store the same setup (paths included) as an unsharded run.
#pragma once
#include <string>

#include "jobs/sweep_job.h"

namespace lq::jobs {

struct SlurmSpec {
  std::string dir;            // scripts, shard stores, logs
  int shards = 0;             // N
  std::string partition, time, mem;  // sbatch's --partition, --time, --mem ("": the cluster's default)
  int cpus_per_task = 0;      // sbatch's --cpus-per-task (0: the cluster's default)
  int threads = 0;            // each shard's --threads (0: cpus_per_task when given, else langquant's default)
  std::string program;        // the langquant binary the scripts run
  std::string workdir;        // where the jobs run ("": the current folder)
  bool submit = false;        // run submit.sh (needs sbatch)
};

// Writes the scripts (and submits them); returns what to print: the files written, and
// submit.sh's output (the job ids).
std::string write_sweep_slurm(const SweepSpec& sweep, const SlurmSpec& slurm);

}  // namespace lq::jobs
