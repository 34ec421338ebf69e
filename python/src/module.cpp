// langquant._core: the C++ job layer for Python. The pure Python package (python/langquant) wraps
// it: keyword arguments, plans as dicts, tqdm progress, pandas tables.
#include <pybind11/pybind11.h>

#include "bindings.h"
#include "core/error.h"
#include "kernels/threads.h"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "langquant's C++ jobs (eval, score, overlap, search, recommend); use the langquant package";
  // Everything langquant rejects (the CLI's exit 1) arrives as langquant.Error, a ValueError
  // whose message is the CLI's one line ("<file>: <problem>").
  py::register_exception<lq::Error>(m, "Error", PyExc_ValueError);
  m.def("set_threads", &lq::set_compute_threads, py::arg("n"),
        "Threads for OpenMP loops and OpenBLAS (n <= 0: all cores); returns the number used");
  lq::python::bind_checkpoint(m);
  lq::python::bind_plan(m);
  lq::python::bind_eval(m);
  lq::python::bind_score(m);
  lq::python::bind_overlap(m);
  lq::python::bind_search(m);
}
