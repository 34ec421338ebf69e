// Every subcommand's register function, in the order `langquant --help` lists them.
#pragma once
#include "cli/commands.h"

namespace lq::cli {
inline void register_all(CLI::App& app) {
  register_init(app);
  register_train(app);
  register_inspect(app);
  register_convert(app);
  register_tokenize(app);
  register_score(app);
  register_eval(app);
  register_plan(app);
  register_export(app);
  register_verify_export(app);
  register_sweep(app);
  register_correlate(app);
  register_stats(app);
  register_activations(app);
  register_imatrix(app);
  register_fertility(app);
  register_report(app);
  register_fisher(app);
  register_overlap(app);
  register_predict(app);
  register_search(app);
  register_recommend(app);
  register_patch(app);
  register_sinks(app);
  register_neurons(app);
}
}  // namespace lq::cli
