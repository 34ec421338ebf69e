#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "cli/command_list.h"
#include "cli/exit_codes.h"
#include "cli/help_format.h"
#include "core/atomic_file.h"
#include "core/error.h"

namespace {
// The report is one line whatever the message holds (a file name may contain a newline).
void print_error(const char* what) {
  std::string line(what);
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  std::fprintf(stderr, "langquant: error: %s\n", line.c_str());
}

void on_interrupt(int) {
  // Finished outputs are already renamed into place; half-written ones are removed.
  lq::remove_pending_temp_files();
  const char msg[] = "\nlangquant: interrupted\n";
  (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
  ::_exit(lq::cli::kExitInterrupted);
}
}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  CLI::App app{
      "langquant: find which languages a language model loses under quantization, and why.\n"
      "Run 'langquant COMMAND --help' for the full description and options of each command."};
  app.formatter(lq::cli::summary_formatter());  // before the commands: they copy it
  app.footer(lq::cli::kExitCodeHelp);
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("langquant ") + LANGQUANT_VERSION);
  lq::cli::register_all(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every other parse error is a usage error, whatever CLI11's
    // own code for it (105, 106, ...).
    return app.exit(e) == 0 ? lq::cli::kExitOk : lq::cli::kExitUsage;
  } catch (const lq::cli::ExitWith& e) {
    return e.code;
  } catch (const lq::Error& e) {
    print_error(e.what());
    return lq::cli::kExitBadInput;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "langquant: error: out of memory\n");
    return lq::cli::kExitBadInput;
  } catch (const std::exception& e) {
    print_error(e.what());
    return lq::cli::kExitBadInput;
  }
  return lq::cli::kExitOk;
}
