// langquant.overlap: jobs::run_overlap with the CLI's flags (apps/cli/cmd_overlap.cpp).
#include <pybind11/stl.h>

#include "bindings.h"
#include "core/atomic_file.h"
#include "jobs/overlap_job.h"
#include "run_in_python.h"

namespace py = pybind11;

namespace lq::python {

void bind_overlap(py::module_& m) {
  py::class_<jobs::OverlapResult, std::shared_ptr<jobs::OverlapResult>>(m, "OverlapResult")
      .def("to_json", [](const jobs::OverlapResult& r) { return r.to_json().dump(2) + "\n"; },
           "The JSON overlap --out writes, byte for byte")
      .def("to_text", &jobs::OverlapResult::to_text, "The table overlap prints");

  const jobs::OverlapSpec d;
  m.def("overlap",
        [](const std::string& model, const std::string& fisher, const std::string& sets, const std::vector<double>& k,
           const std::string& select, const std::string& scope, const std::string& out, py::object reporter) {
          jobs::OverlapSpec s;
          s.model = model;
          s.fisher = fisher;
          s.sets = sets;
          s.k = k;
          s.select = select;
          s.scope = scope;
          return run_job(reporter, [&](const jobs::JobProgress& p) {
            auto r = std::make_shared<jobs::OverlapResult>(jobs::run_overlap(s, p));
            if (!out.empty()) write_file_atomic(out, r->to_json().dump(2) + "\n");
            return r;
          });
        },
        py::arg("model"), py::arg("fisher"), py::arg("sets") = d.sets, py::arg("k") = d.k, py::arg("select") = d.select,
        py::arg("scope") = d.scope, py::arg("out") = "", py::arg("reporter") = py::none());
}

}  // namespace lq::python
