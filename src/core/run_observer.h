// How a front end that keeps the process alive (the Python module) follows and stops a long run.
// It installs an observer for the calling thread; every Progress on that thread reports to it, and
// loops without a Progress call poll_run_observer() between batches. The observer may throw to
// abandon the run (Ctrl-C in a notebook): the exception unwinds the job, whose AtomicFiles remove
// their half-written outputs. The CLI installs none: it draws its own progress line, and Ctrl-C
// ends the process there (apps/cli/main.cpp).
#pragma once
#include <cstdint>
#include <string>

namespace lq {

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // A Progress started (done = 0) or advanced. May throw.
  virtual void progress(const std::string& label, int64_t done, int64_t total) = 0;
  // Between batches of work. May throw.
  virtual void poll() = 0;
};

// Installs `observer` for the calling thread while it lives (nullptr: none); the previous one
// comes back after.
class ScopedRunObserver {
 public:
  explicit ScopedRunObserver(RunObserver* observer);
  ~ScopedRunObserver();
  ScopedRunObserver(const ScopedRunObserver&) = delete;
  ScopedRunObserver& operator=(const ScopedRunObserver&) = delete;

 private:
  RunObserver* previous_;
};

// The calling thread's observer (nullptr: none).
RunObserver* current_run_observer();
// An interruption point: polls the calling thread's observer, if any.
void poll_run_observer();

}  // namespace lq
