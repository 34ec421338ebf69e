#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "cli/command_list.h"
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
  ::_exit(130);
}
}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  CLI::App app{
      "langquant: find which languages a language model loses under quantization, and why.\n"
      "Run 'langquant COMMAND --help' for the options of each command."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("langquant ") + LANGQUANT_VERSION);
  lq::cli::register_all(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const lq::Error& e) {
    print_error(e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "langquant: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    print_error(e.what());
    return 1;
  }
  return 0;
}
