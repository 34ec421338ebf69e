// The CLI11 wiring of jobs::ScoringOptions, declared once for every command that scores a
// corpus (eval, sweep): the same flag names, checks and help texts everywhere.
#pragma once
#include <CLI/CLI.hpp>

#include "jobs/scoring_options.h"

namespace lq::cli {

// --langs, --group, --ref, --mode, --ctx, --no-bos, --bootstrap, --seed.
void add_scoring_flags(CLI::App& cmd, jobs::ScoringOptions& o);

}  // namespace lq::cli
