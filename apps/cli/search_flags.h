// The options `search` and `recommend` share, declared once (jobs/plan_search_jobs.h).
#pragma once
#include <CLI/CLI.hpp>

#include "jobs/plan_search_jobs.h"

namespace lq::cli {

// Model, corpus, target, budget, method, groups, formats, languages, racing, bootstrap, seed.
void add_search_flags(CLI::App& cmd, jobs::PlanSearchSpec& s);

}  // namespace lq::cli
