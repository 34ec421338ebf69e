// langquant.search and langquant.recommend: jobs::run_search / run_recommend with the flags both
// commands share (apps/cli/search_flags.cpp). A missed target is not an error here (the CLI's
// exit 3): the result says so in target_met.
#include <pybind11/stl.h>

#include "bindings.h"
#include "jobs/plan_search_jobs.h"
#include "run_in_python.h"

namespace py = pybind11;

namespace lq::python {
namespace {

using Runner = jobs::PlanSearchResult (*)(jobs::PlanSearchSpec, const std::string&, const jobs::JobProgress&);

void def_search(py::module_& m, const char* name, Runner run, const char* doc) {
  const jobs::PlanSearchSpec d;
  m.def(name,
        [run](const std::string& model, const std::string& corpus, const std::string& out, const std::string& target,
              double budget, const std::string& method, int width, const std::vector<std::string>& groups,
              const std::string& base, const std::string& keep, const std::vector<std::string>& langs,
              const std::vector<std::string>& group, const std::string& ref, bool no_race, size_t race_start,
              int race_bootstrap, int bootstrap, uint64_t seed, int64_t batch_tokens, bool resume, py::object reporter) {
          jobs::PlanSearchSpec s;
          s.model = model;
          s.corpus = corpus;
          s.target = target;
          s.budget = budget;
          s.method = method;
          s.width = width;
          s.families = groups;
          s.base = base;
          s.keep = keep;
          s.langs = langs;
          s.lang_groups = group;
          s.ref = ref;
          s.no_race = no_race;
          s.race_start = race_start;
          s.replicates = race_bootstrap;
          s.final_replicates = bootstrap;
          s.seed = seed;
          s.batch_tokens = batch_tokens;
          s.resume = resume;
          s.quiet = true;
          return std::make_shared<jobs::PlanSearchResult>(
              run_job(reporter, [&](const jobs::JobProgress& p) { return run(s, out, p); }));
        },
        py::arg("model"), py::arg("corpus"), py::arg("out") = "", py::arg("target") = d.target,
        py::arg("budget") = d.budget, py::arg("method") = d.method, py::arg("width") = d.width,
        py::arg("groups") = d.families, py::arg("base") = d.base, py::arg("keep") = d.keep, py::arg("langs") = d.langs,
        py::arg("group") = d.lang_groups, py::arg("ref") = d.ref, py::arg("no_race") = d.no_race,
        py::arg("race_start") = d.race_start, py::arg("race_bootstrap") = d.replicates,
        py::arg("bootstrap") = d.final_replicates, py::arg("seed") = d.seed, py::arg("batch_tokens") = d.batch_tokens,
        py::arg("resume") = d.resume, py::arg("reporter") = py::none(), doc);
}

}  // namespace

void bind_search(py::module_& m) {
  py::class_<jobs::PlanSearchResult, std::shared_ptr<jobs::PlanSearchResult>>(m, "PlanSearchResult")
      .def_readonly("command", &jobs::PlanSearchResult::command)
      .def_readonly("plan", &jobs::PlanSearchResult::plan_line, "The chosen plan, one-line form")
      .def_readonly("target_met", &jobs::PlanSearchResult::meets)
      .def("verdict", &jobs::PlanSearchResult::verdict)
      .def("to_toml", &jobs::PlanSearchResult::plan_toml, "The plan file --out gets, byte for byte")
      .def("to_text", &jobs::PlanSearchResult::search_text, "What search prints")
      .def("to_markdown", &jobs::PlanSearchResult::recommend_markdown, "What recommend prints")
      .def("to_json", [](const jobs::PlanSearchResult& r) { return r.to_json().dump(2) + "\n"; });
  def_search(m, "search", &jobs::run_search, "Cheapest protection meeting a target (langquant search)");
  def_search(m, "recommend", &jobs::run_recommend, "Per-layer sweep, then search in criticality order (langquant recommend)");
}

}  // namespace lq::python
