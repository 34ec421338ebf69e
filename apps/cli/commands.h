// Each subcommand lives in its own file and registers itself on the root CLI11 app. This is
// the only layer that parses argv, prints to the user and chooses exit codes.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace lq::cli {

// Options every computing command shares.
struct ComputeOptions {
  int threads = 0;  // 0: all cores
  bool quiet = false;
};
void add_compute_options(CLI::App& cmd, ComputeOptions& opts);
// Applies --threads to OpenMP and OpenBLAS; returns the thread count in use.
int apply_threads(const ComputeOptions& opts);

void register_init(CLI::App& app);
void register_train(CLI::App& app);
void register_inspect(CLI::App& app);
void register_convert(CLI::App& app);
void register_tokenize(CLI::App& app);
void register_score(CLI::App& app);
void register_eval(CLI::App& app);
void register_plan(CLI::App& app);
void register_sweep(CLI::App& app);
void register_correlate(CLI::App& app);
void register_stats(CLI::App& app);
void register_activations(CLI::App& app);
void register_report(CLI::App& app);
void register_fisher(CLI::App& app);
void register_overlap(CLI::App& app);
void register_predict(CLI::App& app);
void register_search(CLI::App& app);
void register_recommend(CLI::App& app);
void register_imatrix(CLI::App& app);
void register_fertility(CLI::App& app);
void register_patch(CLI::App& app);
void register_sinks(CLI::App& app);
void register_neurons(CLI::App& app);
void register_export(CLI::App& app);
void register_verify_export(CLI::App& app);

}  // namespace lq::cli
