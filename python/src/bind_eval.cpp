// langquant.eval: jobs::run_eval with the CLI's flags as keyword arguments (apps/cli/cmd_eval.cpp,
// scoring_flags.cpp); defaults come from the spec itself, so both front ends share them.
#include <pybind11/stl.h>

#include "bindings.h"
#include "jobs/eval_job.h"
#include "run_in_python.h"

namespace py = pybind11;

namespace lq::python {

void bind_eval(py::module_& m) {
  py::class_<jobs::EvalResult, std::shared_ptr<jobs::EvalResult>>(m, "EvalResult")
      .def_property_readonly("has_plans", [](const jobs::EvalResult& r) { return r.comparison.has_value(); })
      .def("to_json", [](const jobs::EvalResult& r) { return r.to_json().dump(2) + "\n"; },
           "The JSON eval --out writes, byte for byte")
      .def("to_markdown", &jobs::EvalResult::to_markdown, "What eval prints (and writes to --md)")
      .def("to_csv", &jobs::EvalResult::to_csv, "With plans: the CSV eval writes (one row per plan x language)");

  const jobs::EvalSpec d;
  m.def("eval",
        [](const std::string& model, const std::string& corpus, const std::vector<std::string>& plan,
           const std::string& out, const std::string& md, const std::string& csv, const std::string& base,
           const std::string& keep, const std::vector<std::string>& langs, const std::vector<std::string>& group,
           const std::string& ref, const std::string& mode, int64_t ctx, bool no_bos, int bootstrap, uint64_t seed,
           int64_t batch_tokens, bool resume, py::object reporter) {
          jobs::EvalSpec s;
          s.model = model;
          s.corpus = corpus;
          s.plans = plan;
          s.json = out;
          s.md = md;
          s.csv = csv;
          s.base = base;
          s.keep = keep;
          s.scoring.langs = langs;
          s.scoring.groups = group;
          s.scoring.ref = ref;
          s.scoring.mode = mode;
          s.scoring.ctx = ctx;
          s.scoring.bos = !no_bos;
          s.scoring.bootstrap = bootstrap;
          s.scoring.seed = seed;
          s.batch_tokens = batch_tokens;
          s.resume = resume;
          return std::make_shared<jobs::EvalResult>(
              run_job(reporter, [&](const jobs::JobProgress& p) { return jobs::run_eval(s, p); }));
        },
        py::arg("model"), py::arg("corpus"), py::arg("plan") = d.plans, py::arg("out") = d.json, py::arg("md") = d.md,
        py::arg("csv") = d.csv, py::arg("base") = d.base, py::arg("keep") = d.keep, py::arg("langs") = d.scoring.langs,
        py::arg("group") = d.scoring.groups, py::arg("ref") = d.scoring.ref, py::arg("mode") = d.scoring.mode,
        py::arg("ctx") = d.scoring.ctx, py::arg("no_bos") = !d.scoring.bos, py::arg("bootstrap") = d.scoring.bootstrap,
        py::arg("seed") = d.scoring.seed, py::arg("batch_tokens") = d.batch_tokens, py::arg("resume") = d.resume,
        py::arg("reporter") = py::none());
}

}  // namespace lq::python
