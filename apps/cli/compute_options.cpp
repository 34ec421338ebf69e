#include <omp.h>

#include "cli/commands.h"
#include "kernels/threads.h"

namespace lq::cli {

void add_compute_options(CLI::App& cmd, ComputeOptions& opts) {
  cmd.add_option("--threads,-t", opts.threads, "Threads to compute with (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_flag("--quiet,-q", opts.quiet, "No progress line on stderr");
}

int apply_threads(const ComputeOptions& opts) { return lq::set_compute_threads(opts.threads); }

}  // namespace lq::cli
