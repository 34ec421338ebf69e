// How a running job reports to whoever started it. The CLI prints a progress line and stage
// messages on stderr; other front ends (a notebook) pass their own callbacks.
#pragma once
#include <functional>
#include <string>

namespace lq::jobs {

struct JobProgress {
  bool quiet = false;                              // no progress line on stderr (core/progress.h)
  std::function<void(const std::string&)> stage;   // one message per stage or step; null: none

  void say(const std::string& message) const {
    if (stage) stage(message);
  }
};

}  // namespace lq::jobs
