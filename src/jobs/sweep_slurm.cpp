#include "jobs/sweep_slurm.h"

#include <sys/wait.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
#include "experiments/experiment.h"
#include "experiments/recipes.h"

namespace lq::jobs {
namespace {

namespace fs = std::filesystem;

// One shell word: as is when it is plain, else in single quotes.
std::string word(const std::string& s) {
  bool plain = !s.empty();
  for (const char c : s)
    plain &= std::isalnum(static_cast<unsigned char>(c)) || std::string("_-./,:=+%@").find(c) != std::string::npos;
  if (plain) return s;
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string line_of(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + word(w);
  return out;
}

void add(std::vector<std::string>& a, const std::string& flag, const std::string& value) {
  if (value.empty()) return;
  a.push_back(flag);
  a.push_back(value);
}

// The options of `langquant sweep` that fix the sweep itself (what is scored and how): the
// shards and an unsharded run given the same ones store the same setup.
std::vector<std::string> sweep_options(const SweepSpec& s) {
  std::vector<std::string> a;
  add(a, "--recipe", s.recipe);
  add(a, "--experiment", s.experiment);
  for (const auto& p : s.plans) add(a, "--plan", p);
  add(a, "--base", s.base);
  add(a, "--keep", s.keep);
  add(a, "--model", s.model);
  add(a, "--corpus", s.corpus);
  std::string langs;
  for (const auto& l : s.scoring.langs) langs += (langs.empty() ? "" : ",") + l;
  add(a, "--langs", langs);
  add(a, "--mode", s.scoring.mode);
  if (s.scoring.ctx > 0) add(a, "--ctx", std::to_string(s.scoring.ctx));
  if (!s.scoring.bos) a.push_back("--no-bos");
  add(a, "--batch", std::to_string(s.batch));
  add(a, "--batch-tokens", std::to_string(s.batch_tokens));
  add(a, "--sets-per-pass", std::to_string(s.sets_per_pass));
  return a;
}

// The options that shape the exported numbers (intervals, ratios, groups).
std::vector<std::string> export_options(const SweepSpec& s) {
  std::vector<std::string> a;
  add(a, "--ref", s.scoring.ref);
  for (const auto& g : s.scoring.groups) add(a, "--group", g);
  add(a, "--bootstrap", std::to_string(s.scoring.bootstrap));
  add(a, "--seed", std::to_string(s.scoring.seed));
  return a;
}

std::string sbatch_lines(const SlurmSpec& r, const std::string& name, const std::string& log) {
  std::ostringstream o;
  o << "#SBATCH --job-name=" << name << "\n#SBATCH --output=" << log << "\n#SBATCH --open-mode=append\n";
  if (!r.partition.empty()) o << "#SBATCH --partition=" << r.partition << "\n";
  if (!r.time.empty()) o << "#SBATCH --time=" << r.time << "\n";
  if (r.cpus_per_task > 0) o << "#SBATCH --cpus-per-task=" << r.cpus_per_task << "\n";
  if (!r.mem.empty()) o << "#SBATCH --mem=" << r.mem << "\n";
  return o.str();
}

void write_script(const std::string& path, const std::string& text) {
  write_file_atomic(path, text);
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string write_sweep_slurm(const SweepSpec& s, const SlurmSpec& r) {
  if (r.dir.empty()) fail("--slurm", "needs a folder for the scripts and the shards' stores");
  if (r.shards < 1) fail("--slurm " + r.dir, "needs --shards N (the number of array tasks), N >= 1");
  if (!s.shard.empty()) fail("--shard " + s.shard, "is chosen by each array task: drop it with --slurm");
  if (s.model.empty() || s.corpus.empty()) fail("--slurm " + r.dir, "needs --model and --corpus (the sweep to run)");
  if (s.db.empty()) fail("--slurm " + r.dir, "needs --db (the merged store the merge job writes)");
  if (!s.recipe.empty() + !s.experiment.empty() + !s.plans.empty() != 1)
    fail("sweep", "give exactly one of --recipe, --experiment or --plan");
  if (r.program.empty()) fail("--slurm " + r.dir, "the langquant binary to run is unknown");
  // A recipe or experiment file that does not load would fail every task: fail here instead.
  if (!s.recipe.empty()) experiments::load_recipe(s.recipe);
  if (!s.experiment.empty()) experiments::load_experiment(s.experiment);
  const std::string dir = fs::absolute(r.dir).lexically_normal().string();
  const std::string cwd = r.workdir.empty() ? fs::current_path().string() : r.workdir;
  const std::string n = std::to_string(r.shards);
  const int threads = r.threads > 0 ? r.threads : r.cpus_per_task;
  std::error_code ec;
  fs::create_directories(dir + "/logs", ec);
  if (ec) fail(dir, "cannot create the folder: " + ec.message());

  const auto shard_store = [&](const std::string& k) { return dir + "/shard-" + k + "-of-" + n + ".sqlite"; };
  std::vector<std::string> shard_cmd = {r.program, "sweep"};
  for (const auto& a : sweep_options(s)) shard_cmd.push_back(a);
  if (threads > 0) add(shard_cmd, "--threads", std::to_string(threads));
  shard_cmd.push_back("--quiet");
  std::ostringstream shard;
  shard << "#!/bin/bash\n" << sbatch_lines(r, "lq-sweep-shard", dir + "/logs/shard-%a.log")
        << "# Array task K (0.." << r.shards - 1 << ") scores shard K+1 of " << n << " of the sweep into its own store\n"
        << "# " << dir << "/shard-<K+1>-of-" << n << ".sqlite, then marks it finished (.done). A task run again\n"
        << "# (submit.sh resubmits unfinished ones) resumes its store: finished pieces are kept.\n"
        << "set -euo pipefail\n"
        << "k=$(( ${SLURM_ARRAY_TASK_ID:?submit this script with sbatch --array, see submit.sh} + 1 ))\n"
        << "cd " << word(cwd) << "\n"
        << line_of(shard_cmd) << " \\\n  --db " << word(dir) << "/shard-$k-of-" << n << ".sqlite --shard $k/" << n << "\n"
        << "touch " << word(dir) << "/shard-$k-of-" << n << ".done\n";

  std::vector<std::string> merge_cmd = {r.program, "sweep", "merge"};
  for (int k = 1; k <= r.shards; ++k) merge_cmd.push_back(shard_store(std::to_string(k)));
  add(merge_cmd, "--out", s.db);
  std::vector<std::string> export_cmd = {r.program, "sweep", "--db", s.db};
  add(export_cmd, "--out", s.json);
  add(export_cmd, "--md", s.md);
  add(export_cmd, "--csv", s.csv);
  for (const auto& a : export_options(s)) export_cmd.push_back(a);
  std::ostringstream merge;
  merge << "#!/bin/bash\n" << sbatch_lines(r, "lq-sweep-merge", dir + "/logs/merge.log")
        << "# Joins the " << n << " shards' stores into the sweep's store (refused unless every shard is\n"
        << "# finished), then exports it as the unsharded sweep command would.\n"
        << "set -euo pipefail\n"
        << "cd " << word(cwd) << "\n" << line_of(merge_cmd) << "\n" << line_of(export_cmd) << "\n";

  std::ostringstream submit;
  submit << "#!/bin/bash\n"
         << "# Submits the shards not finished yet (all of them the first time) as one job array, and the\n"
         << "# merge job after them. Run it again after a task failed or was cancelled: only unfinished\n"
         << "# shards are resubmitted, each resuming its own store, and a new merge job follows them (the\n"
         << "# old one, whose dependency can no longer be met, is dropped by Slurm: --kill-on-invalid-dep).\n"
         << "set -euo pipefail\n"
         << "cd " << word(dir) << "\n"
         << "todo=()\n"
         << "for k in $(seq 0 " << r.shards - 1 << "); do [ -e shard-$((k + 1))-of-" << n
         << ".done ] || todo+=(\"$k\"); done\n"
         << "dep=()\n"
         << "if [ ${#todo[@]} -gt 0 ]; then\n"
         << "  if [ ${#todo[@]} -eq " << n << " ]; then tasks=0-" << r.shards - 1
         << "; else tasks=$(IFS=,; echo \"${todo[*]}\"); fi\n"
         << "  array=$(sbatch --parsable --array=\"$tasks\" shard.sh)\n"
         << "  array=${array%%;*}\n"
         << "  dep=(--dependency=afterok:\"$array\")\n"
         << "  echo \"shards: job $array, array tasks $tasks\"\n"
         << "fi\n"
         << "merge=$(sbatch --parsable \"${dep[@]}\" --kill-on-invalid-dep=yes merge.sh)\n"
         << "echo \"merge: job ${merge%%;*}\"\n";

  // A folder holding another sweep's shards would mix their stores: refuse it.
  const std::string shard_path = dir + "/shard.sh";
  if (fs::exists(shard_path) && read_text(shard_path) != shard.str())
    fail(shard_path, "holds the scripts of another sweep (its command differs): use another --slurm folder");
  write_script(shard_path, shard.str());
  write_script(dir + "/merge.sh", merge.str());
  write_script(dir + "/submit.sh", submit.str());
  std::string out = "wrote " + dir + "/shard.sh, merge.sh and submit.sh (" + n + " shards)\n";
  if (!r.submit) return out + "submit with: " + word(dir + "/submit.sh") + "\n";

  const std::string cmd = "bash " + word(dir + "/submit.sh") + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) fail(dir + "/submit.sh", "cannot run it");
  std::string said;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) said += buf;
  const int status = ::pclose(p);
  if (status != 0) {
    while (!said.empty() && said.back() == '\n') said.pop_back();
    const auto last = said.rfind('\n');
    fail(dir + "/submit.sh", "submitting failed: " + (last == std::string::npos ? said : said.substr(last + 1)));
  }
  return out + said;
}

}  // namespace lq::jobs
