// langquant.open_checkpoint: a model and its tokenizer, opened as every command opens them
// (model/checkpoint.h), with the properties a notebook looks at first.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>

#include "bindings.h"
#include "model/checkpoint.h"

namespace py = pybind11;

namespace lq::python {
namespace {

struct PyCheckpoint {
  std::string path;
  Checkpoint ck;
  const HParams& hp() const { return ck.model->hparams(); }
};

py::list tensor_rows(const PyCheckpoint& c) {
  py::list rows;
  for (const TensorInfo& t : c.ck.model->tensors()) {
    py::dict d;
    d["name"] = t.canonical;
    d["hf_name"] = t.hf_name;
    d["layer"] = t.layer;
    d["kind"] = std::string(kind_name(t.kind));
    d["component"] = std::string(component_name(t.component));
    d["dtype"] = std::string(dtype_name(t.view->dtype));
    d["shape"] = py::tuple(py::cast(t.view->shape));
    rows.append(d);
  }
  return rows;
}

}  // namespace

void bind_checkpoint(py::module_& m) {
  py::class_<PyCheckpoint, std::shared_ptr<PyCheckpoint>>(m, "Checkpoint")
      .def_readonly("path", &PyCheckpoint::path)
      .def_property_readonly("architecture", [](const PyCheckpoint& c) { return c.ck.model->arch().name; })
      .def_property_readonly("n_layer", [](const PyCheckpoint& c) { return c.hp().n_layer; })
      .def_property_readonly("n_embd", [](const PyCheckpoint& c) { return c.hp().n_embd; })
      .def_property_readonly("n_head", [](const PyCheckpoint& c) { return c.hp().n_head; })
      .def_property_readonly("n_ff", [](const PyCheckpoint& c) { return c.hp().n_ff; })
      .def_property_readonly("n_ctx", [](const PyCheckpoint& c) { return c.hp().n_ctx; })
      .def_property_readonly("n_vocab", [](const PyCheckpoint& c) { return c.hp().n_vocab; })
      .def_property_readonly("bos_id", [](const PyCheckpoint& c) { return c.hp().bos_id; })
      .def_property_readonly("eos_id", [](const PyCheckpoint& c) { return c.hp().eos_id; })
      .def_property_readonly("masked_lm", [](const PyCheckpoint& c) { return c.hp().masked_lm; })
      .def_property_readonly("parameter_count", [](const PyCheckpoint& c) { return c.ck.model->parameter_count(); })
      .def_property_readonly("tensors", &tensor_rows, "One dict per tensor: name (canonical), hf_name, layer, kind, component, dtype, shape")
      .def_property_readonly("vocab_size", [](const PyCheckpoint& c) { return c.ck.tokenizer->vocab_size(); })
      .def("encode", [](const PyCheckpoint& c, const std::string& text, bool add_special_tokens) {
             return c.ck.tokenizer->encode(text, add_special_tokens);
           }, py::arg("text"), py::arg("add_special_tokens") = false, "Token ids of text (as Hugging Face tokenizers)")
      .def("decode", [](const PyCheckpoint& c, const std::vector<int32_t>& ids, bool skip_special_tokens) {
             return text_of(c.ck.tokenizer->decode(ids, skip_special_tokens));
           }, py::arg("ids"), py::arg("skip_special_tokens") = false)
      .def("token_text", [](const PyCheckpoint& c, int32_t id) { return text_of(c.ck.tokenizer->token_text(id)); }, py::arg("id"));

  m.def("open_checkpoint", [](const std::string& path) {
        auto c = std::make_shared<PyCheckpoint>();
        c->path = path;
        {
          py::gil_scoped_release release;
          c->ck = open_checkpoint(path);
        }
        return c;
      }, py::arg("path"), "A Hugging Face checkpoint folder or a GGUF file, with its tokenizer");
}

}  // namespace lq::python
