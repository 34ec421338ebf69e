// Plans given as dicts: the layout of a .json plan file, read by the same parser
// (quant/plan.h), handed to the jobs as the one-line form that names it.
#include <nlohmann/json.hpp>

#include "bindings.h"
#include "core/error.h"
#include "quant/plan.h"

namespace py = pybind11;

namespace lq::python {

void bind_plan(py::module_& m) {
  m.def("plan_line_from_json", [](const std::string& json_text, const std::string& where) {
        nlohmann::json j;
        try {
          j = nlohmann::json::parse(json_text);
        } catch (const nlohmann::json::exception& e) {
          fail(where, std::string("not valid JSON: ") + e.what());
        }
        return quant::plan_to_named_line(quant::parse_plan_value(j, where));
      }, py::arg("json_text"), py::arg("where"),
      "The one-line form of a plan given as JSON text with a .json plan file's layout");
}

}  // namespace lq::python
