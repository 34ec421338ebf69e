#include "run_in_python.h"

namespace py = pybind11;

namespace lq::python {

void PythonRunObserver::progress(const std::string& label, int64_t done, int64_t total) {
  py::gil_scoped_acquire gil;
  if (!reporter_.is_none()) reporter_.attr("progress")(label, done, total);
}

void PythonRunObserver::poll() {
  py::gil_scoped_acquire gil;
  // Python's C-level SIGINT handler only sets a flag while C++ runs; this runs the Python
  // handler (KeyboardInterrupt by default) and carries its exception out through the job.
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

void PythonRunObserver::stage(const std::string& message) {
  py::gil_scoped_acquire gil;
  if (!reporter_.is_none()) reporter_.attr("stage")(message);
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

jobs::JobProgress PythonRunObserver::job_progress() {
  return {true, [this](const std::string& m) { stage(m); }};
}

}  // namespace lq::python
