// `langquant --help` lists each command with a one-line summary; the full description stays
// for `langquant COMMAND --help`.
#pragma once
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

namespace lq::cli {

// The summary shown in the command list: the table in help_format.cpp, or for a command it does
// not name, the first sentence of the command's description.
std::string command_summary(const CLI::App& cmd);

// A formatter whose command list uses command_summary. Set it on the root app before the
// commands are registered (CLI11 copies the parent's formatter into each subcommand).
std::shared_ptr<CLI::Formatter> summary_formatter();

}  // namespace lq::cli
