// `langquant export`: a plan (preset, file or one line) on a model, written for a deployment
// target. The CLI turns its arguments into an ExportSpec and prints the result.
#pragma once
#include <string>
#include <vector>

#include "export/gguf_export.h"
#include "export/llama_quantize_export.h"

namespace lq::exporter {

struct ExportSpec {
  std::string plan;          // preset name, .toml/.json file or one-line plan
  std::string model;         // checkpoint (a GGUF file for target gguf)
  std::string to = "gguf";   // one of export_targets()
  std::string out;           // file to write
  std::string base = "int4", keep = "fp16";  // a preset's formats
};

struct ExportResult {
  std::string plan_line;     // the plan as resolved, in one-line form
  std::string model;
  GgufExportSummary gguf;    // target gguf
  LlamaQuantizeExport llama_quantize;  // target llama-quantize
};

// The targets `--to` accepts.
const std::vector<std::string>& export_targets();

// Loads, resolves and writes; throws lq::Error (one line naming the rule and the target for a
// plan the target cannot express) before anything is written.
ExportResult export_plan(const ExportSpec& spec);

}  // namespace lq::exporter
