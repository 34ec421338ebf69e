// langquant.score: jobs::run_score. The per-token columns reach numpy as views into the C++
// result (no copy): strided arrays over its TokenLogprob records, read-only, whose base keeps
// the result alive.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstddef>

#include "bindings.h"
#include "core/atomic_file.h"
#include "jobs/score_job.h"
#include "run_in_python.h"

namespace py = pybind11;

namespace lq::python {
namespace {

// Field `member` of every token record, as a read-only numpy view owned by `owner`.
template <class T>
py::array column(py::object owner, T jobs::TokenLogprob::*member) {
  auto& r = owner.cast<jobs::ScoreResult&>();
  const auto n = static_cast<py::ssize_t>(r.tokens.size());
  if (n == 0) return py::array_t<T>(0);
  const T* first = &(r.tokens.front().*member);
  py::array a(py::dtype::of<T>(), {n}, {static_cast<py::ssize_t>(sizeof(jobs::TokenLogprob))}, first, owner);
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

}  // namespace

void bind_score(py::module_& m) {
  py::class_<jobs::ScoreResult, std::shared_ptr<jobs::ScoreResult>>(m, "ScoreResult")
      .def("__len__", [](const jobs::ScoreResult& r) { return r.tokens.size(); })
      .def("to_jsonl", &jobs::ScoreResult::to_jsonl, "The JSON Lines score --out writes, byte for byte")
      .def_property_readonly("logprobs", [](py::object self) { return column(self, &jobs::TokenLogprob::logprob); },
                             "Natural-log probability of every token (float64 view, no copy)")
      .def_property_readonly("ids", [](py::object self) { return column(self, &jobs::TokenLogprob::id); })
      .def_property_readonly("lines", [](py::object self) { return column(self, &jobs::TokenLogprob::line); })
      .def_property_readonly("positions", [](py::object self) { return column(self, &jobs::TokenLogprob::pos); })
      .def_property_readonly("tokens", [](const jobs::ScoreResult& r) {
        py::list l;
        for (const auto& t : r.tokens) l.append(text_of(t.token));
        return l;
      });

  const jobs::ScoreSpec d;
  m.def("score",
        [](const std::string& model, const std::string& file, const std::string& out, int64_t batch_tokens,
           py::object reporter) {
          jobs::ScoreSpec s;
          s.model = model;
          s.file = file;
          s.batch_tokens = batch_tokens;
          return run_job(reporter, [&](const jobs::JobProgress& p) {
            std::unique_ptr<AtomicFile> f;  // as the CLI: opened first, written whole or not at all
            if (!out.empty()) f = std::make_unique<AtomicFile>(out);
            auto r = std::make_shared<jobs::ScoreResult>(jobs::run_score(s, p));
            if (f) {
              f->stream() << r->to_jsonl();
              f->commit();
            }
            return r;
          });
        },
        py::arg("model"), py::arg("file"), py::arg("out") = "", py::arg("batch_tokens") = d.batch_tokens,
        py::arg("reporter") = py::none());
}

}  // namespace lq::python
