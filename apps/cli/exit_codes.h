// The exit status of every langquant command, in one place (README "Exit codes" and
// `langquant --help` list the same table).
#pragma once

namespace lq::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitBadInput = 1,      // a file, value or model langquant rejects (one line on stderr)
  kExitUsage = 2,         // the command line itself: unknown option, missing argument
  kExitTargetMissed = 3,  // search/recommend: outputs written, but the plan misses --target
  kExitInterrupted = 130  // SIGINT/SIGTERM: finished outputs kept, half-written ones removed
};

// Thrown by a command that finished its work (every output written) but must still exit with
// a status other than 0; main() returns `code` without printing anything.
struct ExitWith {
  int code;
};

inline constexpr const char* kExitCodeHelp =
    "Exit codes: 0 ok; 1 bad input (one line on stderr names the file and the problem); 2 usage\n"
    "(unknown option, missing argument); 3 target not met (search, recommend: the best plan found is\n"
    "still written); 130 interrupted (Ctrl-C or SIGTERM; no half-written output is left).";

}  // namespace lq::cli
