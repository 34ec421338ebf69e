// How a job runs under Python: the GIL released for the whole run, so other Python threads go on;
// a RunObserver (core/run_observer.h) that reports progress and stage messages to a Python object
// and, between batches, runs Python's signal handlers. Ctrl-C thus raises KeyboardInterrupt
// inside the job; the exception unwinds it like any error, and its AtomicFiles remove the
// half-written outputs (a resumable run keeps its progress file, as the CLI does).
#pragma once
#include <pybind11/pybind11.h>

#include <string>

#include "core/run_observer.h"
#include "jobs/job_progress.h"

namespace lq::python {

// reporter: None, or an object with progress(label, done, total) and stage(message) methods
// (langquant/_progress.py).
class PythonRunObserver : public RunObserver {
 public:
  explicit PythonRunObserver(pybind11::object reporter) : reporter_(std::move(reporter)) {}
  void progress(const std::string& label, int64_t done, int64_t total) override;
  void poll() override;
  void stage(const std::string& message);
  // What a job takes: no progress line of its own (the reporter draws one), stages to stage().
  jobs::JobProgress job_progress();

 private:
  pybind11::object reporter_;
};

// Runs f() (a job) with the GIL released under an observer reporting to `reporter`.
template <class F>
auto run_job(pybind11::object reporter, F&& f) {
  PythonRunObserver observer(std::move(reporter));
  ScopedRunObserver scope(&observer);
  const jobs::JobProgress progress = observer.job_progress();
  pybind11::gil_scoped_release release;
  return f(progress);
}

}  // namespace lq::python
