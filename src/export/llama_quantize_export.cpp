#include "export/llama_quantize_export.h"

#include <cctype>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "export/gguf_export.h"
#include "quant/imatrix.h"

namespace lq::exporter {
namespace {

// ggml_type_name's spelling, which older llama-quantize builds match case-sensitively.
std::string ggml_name(const quant::Format& f) {
  std::string s = quant::canonical_name(f);
  if (s == "fp32") return "f32";
  if (s == "fp16") return "f16";
  if (s.size() > 2 && s.compare(s.size() - 2, 2, "_k") == 0) s.back() = 'K';
  return s;
}

// An exact-name regular expression: anchored, every character outside [A-Za-z0-9_] escaped.
std::string exact_regex(const std::string& name) {
  std::string r = "^";
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') r += '\\';
    r += c;
  }
  return r + "$";
}

// A word for a POSIX shell, single-quoted.
std::string sh_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string stem_of(const std::string& out) {
  const std::filesystem::path p(out);
  return (p.parent_path() / p.stem()).string();
}

}  // namespace

std::optional<std::string> llama_quantize_refusal(const Model& model, const quant::ResolvedPlan& rp) {
  if (auto why = gguf_refusal(model, rp)) {
    std::string s = *why;
    for (size_t p; (p = s.find("target gguf")) != std::string::npos;) s.replace(p, 11, "target llama-quantize");
    return s;
  }
  if (rp.plan.mixture.empty())
    return "base=" + quant::canonical_name(rp.plan.base) +
           ": target llama-quantize needs a llama.cpp mixture as base (e.g. base=Q4_K_M): its file types, not "
           "the plan, decide the norms', embeddings' and output's types";
  return std::nullopt;
}

LlamaQuantizeExport export_llama_quantize(const Model& model, const quant::ResolvedPlan& rp, const std::string& out) {
  if (auto why = llama_quantize_refusal(model, rp)) fail("export", *why);
  LlamaQuantizeExport res;
  res.script = out;
  const std::string stem = stem_of(out);
  res.output = stem + ".gguf";
  if (res.output == out) fail("export", "--out " + out + " would be overwritten by the GGUF its command writes; name the script e.g. " + stem + ".sh");

  // One override per tensor a plan rule sets (llama.cpp mixtures count these as manual choices),
  // with the type after the fallback so llama-quantize has nothing left to change.
  std::string types;
  bool requantize = false;
  for (const auto& r : rp.tensors) {
    const TensorInfo& t = model.tensors()[r.index];
    if (r.as_stored) continue;
    requantize = requantize || dtype_is_block(model.gguf()->tensor(t.canonical).dtype);
    if (r.rule < 0) continue;
    types += exact_regex(t.canonical) + "=" + ggml_name(r.format) + "\n";
    ++res.overrides;
  }

  std::string cmd = "\"${LLAMA_QUANTIZE:-llama-quantize}\"";
  if (requantize) cmd += " --allow-requantize";
  if (rp.plan.pure) cmd += " --pure";
  if (rp.plan.output_type) cmd += " --output-tensor-type " + ggml_name(*rp.plan.output_type);
  if (rp.plan.token_embd_type) cmd += " --token-embedding-type " + ggml_name(*rp.plan.token_embd_type);
  if (rp.imatrix) {
    res.imatrix = stem + ".imatrix.gguf";
    cmd += " --imatrix " + sh_quote(res.imatrix);
  }
  if (res.overrides > 0) {
    res.tensor_types = stem + ".tensor-types.txt";
    cmd += " --tensor-type-file " + sh_quote(res.tensor_types);
  }
  for (const std::string& word : {sh_quote(model.dir()), sh_quote(res.output), rp.plan.mixture}) {
    cmd += ' ';
    cmd += word;
  }
  res.command = cmd;

  if (rp.imatrix) quant::save_imatrix(*rp.imatrix, res.imatrix);
  if (res.overrides > 0) write_file_atomic(res.tensor_types, types);
  std::string script = "#!/bin/sh\n";
  script += "# langquant export --to llama-quantize: " + quant::plan_to_line(rp.plan) + "\n";
  script += "# Writes what `langquant export --to gguf` writes for this plan (llama-quantize as in\n";
  script += "# llama-cpp-python 0.3.36); extra arguments (e.g. a thread count) go after the file type.\n";
  if (requantize)
    script += "# The source is quantized: llama-quantize copies tensors whose type does not change, where\n"
              "# langquant (simulation and gguf export) re-encodes them from their dequantized values.\n";
  script += "exec " + cmd + " \"$@\"\n";
  write_file_atomic(out, script);
  std::filesystem::permissions(out, std::filesystem::perms::owner_exec | std::filesystem::perms::group_exec |
                                        std::filesystem::perms::others_exec,
                               std::filesystem::perm_options::add);
  return res;
}

}  // namespace lq::exporter
