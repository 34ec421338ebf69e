// Every subcommand's register function, in the order `langquant --help` lists them.
#pragma once
#include "cli/commands.h"

namespace lq::cli {
inline void register_all(CLI::App& app) {
  register_init(app);
  register_inspect(app);
  register_tokenize(app);
  register_score(app);
  register_eval(app);
  register_plan(app);
  register_correlate(app);
}
}  // namespace lq::cli
