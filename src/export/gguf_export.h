// A resolved plan written as the file llama.cpp deploys: a GGUF whose every tensor is stored in
// the ggml type the plan gives it (a llama.cpp mixture's per-tensor types and fallbacks, whole
// tensors kept at other types, importance-weighted blocks with the plan's imatrix), holding
// exactly the values langquant's simulation of the plan uses, plus the source GGUF's metadata
// and tokenizer. What a GGUF cannot say is refused before anything is written.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "model/model.h"
#include "quant/plan_resolve.h"

namespace lq::exporter {

// Why `rp` cannot be written as a GGUF, naming the rule (or the base) and the target "gguf"
// in one line, or nullopt when it can: the model must come from a GGUF file (its metadata and
// tokenizer are copied from there); element selections (top=, random=) cannot be stored (a
// GGUF tensor has one type); integer formats (int4-g128 ...) have no ggml type; 1-D tensors
// (norms, biases) must stay F32, the only type llama.cpp computes them in.
std::optional<std::string> gguf_refusal(const Model& model, const quant::ResolvedPlan& rp);

struct GgufExportSummary {
  int64_t tensors = 0;       // written
  int64_t converted = 0;     // written in a type the plan chose (the rest copied as stored)
  int64_t imatrix = 0;       // quantized with importance weights
  uint64_t file_bytes = 0;
  std::map<std::string, int64_t> by_type;  // ggml type name -> tensors
};

// Writes `out` atomically (core/atomic_file.h): no file, or the whole file. Tensors are in
// llama.cpp's loader order (non-block tensors, then block by block; by name within each), as
// llama-quantize writes them. Metadata: the source's keys, with general.file_type set to the
// mixture's llama_ftype (a plan without a mixture drops it: llama.cpp then guesses),
// general.quantization_version = 2, split.* removed, and with an imatrix the quantize.imatrix.*
// keys llama-quantize adds. Throws lq::Error with gguf_refusal's line for a plan it refuses.
//
// Tensors the plan leaves as stored (a mixture's 1-D tensors, tensors langquant does not use)
// are copied byte for byte; every other tensor is quantized from the source's values as F32
// (dequantized when the source is quantized), exactly as the simulation does, so the file
// scores what `langquant eval` of the plan scores. From an F16/F32 source that is byte for byte
// what llama-quantize writes (tests/oracle/test_export_gguf.py); from an already-quantized
// source, llama-quantize --allow-requantize would instead copy tensors whose type is unchanged.
GgufExportSummary export_gguf(const Model& model, const quant::ResolvedPlan& rp, const std::string& out);

// llama.cpp's llama_ftype of a mixture ("Q4_K_M" -> 15), as general.file_type holds it.
std::optional<uint32_t> llama_ftype_of(const std::string& mixture);

}  // namespace lq::exporter
