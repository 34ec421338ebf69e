// The parts of langquant._core, one per job or concept; module.cpp calls each once.
#pragma once
#include <pybind11/pybind11.h>

#include <string>

namespace lq::python {

// A C++ string as Python text; bytes that are not UTF-8 (a byte-level token) become U+FFFD, as
// the JSON the CLI writes has them.
inline pybind11::str text_of(const std::string& s) {
  return pybind11::reinterpret_steal<pybind11::str>(PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace"));
}

void bind_checkpoint(pybind11::module_& m);
void bind_plan(pybind11::module_& m);
void bind_eval(pybind11::module_& m);
void bind_score(pybind11::module_& m);
void bind_overlap(pybind11::module_& m);
void bind_search(pybind11::module_& m);

}  // namespace lq::python
