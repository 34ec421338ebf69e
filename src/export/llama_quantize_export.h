// A resolved plan as llama.cpp's own tool runs it: the llama-quantize command line (mixture as
// its file type, --pure, --output-tensor-type, --token-embedding-type, --imatrix) with a
// --tensor-type-file that holds one anchored override per tensor a plan rule sets, so that
// llama-quantize on the same source writes the tensors export_gguf writes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "model/model.h"
#include "quant/plan_resolve.h"

namespace lq::exporter {

// Why llama-quantize cannot run `rp`, in one line naming the rule (or base) and the target
// "llama-quantize": whatever GGUF cannot express (gguf_refusal), and a base that is not one of
// llama.cpp's mixtures (a lower-case base says what every tensor gets, norms and embeddings
// included; llama-quantize's file types decide those themselves).
std::optional<std::string> llama_quantize_refusal(const Model& model, const quant::ResolvedPlan& rp);

struct LlamaQuantizeExport {
  std::string script;        // `out`: a POSIX shell script running the command
  std::string tensor_types;  // the --tensor-type-file written beside it ("" when no rule applies)
  std::string imatrix;       // the importance matrix written beside it ("" without one)
  std::string output;        // the GGUF the command writes
  std::string command;       // the command line itself
  int64_t overrides = 0;     // lines of the tensor-type file
};

// Writes `out` (the script), out's stem + ".tensor-types.txt" and, for a plan with an imatrix,
// + ".imatrix.gguf" (the plan's matrix, mixed when it names a mix, in llama-imatrix's format);
// the command writes out's stem + ".gguf". Each file is written atomically. Type names are
// ggml's (q4_K, f16), overrides "^name$=type" with the dots escaped (llama-quantize matches
// them as regular expressions). Throws with llama_quantize_refusal's line.
LlamaQuantizeExport export_llama_quantize(const Model& model, const quant::ResolvedPlan& rp, const std::string& out);

}  // namespace lq::exporter
