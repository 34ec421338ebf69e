// langquant overlap: argv -> jobs::OverlapSpec; prints the table, writes the JSON (jobs/overlap_job.h).
#include <iostream>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "jobs/overlap_job.h"

namespace lq::cli {

void register_overlap(CLI::App& app) {
  struct Args {
    jobs::OverlapSpec spec;
    std::string out;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "overlap",
      "For each k: of the k% of weights most important by Fisher (plan selector top=k% by=fisher:F:SETS),\n"
      "how many are also among the k% largest in |w| (top=k%). Reported per tensor and pooled over\n"
      "the selected tensors (sum of overlaps / sum of selected); chance level is k. With --scope\n"
      "global both rankings run over all selected tensors together, as plans with scope=global do.");
  cmd->add_option("--model,-m", a->spec.model, "Checkpoint folder the Fisher file was computed for")->required();
  cmd->add_option("--fisher,-f", a->spec.fisher, "Importance file written by `langquant fisher`")->required();
  cmd->add_option("--sets,-s", a->spec.sets, "Importance sets, comma list (languages, group:NAME, max; default all languages)");
  cmd->add_option("-k", a->spec.k, "Percentages (comma list)")->delimiter(',');
  cmd->add_option("--select", a->spec.select, "Plan selectors restricting the tensors (default kind=weight; '' = all)");
  cmd->add_option("--scope", a->spec.scope, "tensor (rank within each tensor) or global");
  cmd->add_option("--out,-o", a->out, "JSON output (written atomically)");
  cmd->callback([a] {
    const jobs::OverlapResult r = jobs::run_overlap(a->spec);
    std::cout << r.to_text();
    if (!a->out.empty()) write_file_atomic(a->out, r.to_json().dump(2) + "\n");
  });
}

}  // namespace lq::cli
