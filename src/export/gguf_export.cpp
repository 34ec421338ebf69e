#include "export/gguf_export.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <utility>
#include <vector>

#include "core/error.h"
#include "formats/gguf_writer.h"
#include "quant/ggml_blocks.h"
#include "quant/quantized_matrix.h"

namespace lq::exporter {
namespace {

using quant::Format;
using quant::Kind;

// The tensor type a format is stored as in GGUF; nullopt for formats ggml has no type for.
std::optional<DType> gguf_dtype(const Format& f) {
  switch (f.kind) {
    case Kind::F32: return DType::F32;
    case Kind::F16: return DType::F16;
    case Kind::BF16: return DType::BF16;
    case Kind::Int: return std::nullopt;
    default: return quant::ggml::dtype_of(quant::ggml::block_type_of(f.kind));
  }
}

// Where a tensor's format came from, as the user wrote it.
std::string origin(const quant::ResolvedPlan& rp, int rule) {
  if (rule >= 0) return "rule '" + rp.plan.rules[rule].text + "'";
  return "base=" + (rp.plan.mixture.empty() ? quant::canonical_name(rp.plan.base) : rp.plan.mixture);
}

// llama.cpp's loader order (weight_name_comparer): by block number, non-block tensors first,
// then by name.
int block_of(const std::string& name) {
  int layer = -1;
  if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1) return -1;
  return layer;
}

std::string as_bytes(const void* p, size_t n) { return std::string(static_cast<const char*>(p), n); }

}  // namespace

std::optional<uint32_t> llama_ftype_of(const std::string& mixture) {
  static const std::vector<std::pair<std::string, uint32_t>> table = {
      {"Q4_0", 2},    {"Q4_1", 3},    {"Q8_0", 7},    {"Q5_0", 8},    {"Q5_1", 9},     {"Q2_K", 10},
      {"Q3_K_S", 11}, {"Q3_K_M", 12}, {"Q3_K_L", 13}, {"Q4_K_S", 14}, {"Q4_K_M", 15},  {"Q5_K_S", 16},
      {"Q5_K_M", 17}, {"Q6_K", 18},   {"IQ4_NL", 25}, {"IQ4_XS", 30},
  };
  for (const auto& [name, id] : table)
    if (name == mixture) return id;
  return std::nullopt;
}

std::optional<std::string> gguf_refusal(const Model& model, const quant::ResolvedPlan& rp) {
  if (!model.gguf())
    return "target gguf needs a GGUF model to copy metadata and tokenizer from; " + model.dir() +
           " is a Hugging Face folder (convert it with llama.cpp's convert_hf_to_gguf.py first)";
  if (!rp.plan.mixture.empty() && !llama_ftype_of(rp.plan.mixture))
    return "base=" + rp.plan.mixture + ": target gguf has no llama_ftype for this mixture";
  for (const auto& r : rp.tensors) {
    const TensorInfo& t = model.tensors()[r.index];
    if (!r.groups.empty())
      return origin(rp, r.groups.front().rule) + " keeps single elements of " + t.canonical +
             " (top=/random=), which target gguf cannot express: a GGUF tensor has one ggml type";
    if (r.as_stored) continue;
    if (!gguf_dtype(r.format))
      return origin(rp, r.rule) + " gives " + t.canonical + " format " + quant::canonical_name(r.format) +
             ", which target gguf cannot express: it has no ggml type";
    if (!t.is_matrix() && r.format.kind != Kind::F32)
      return origin(rp, r.rule) + " gives the 1-D tensor " + t.canonical + " " + quant::canonical_name(r.format) +
             ", which target gguf cannot express: llama.cpp computes norms and biases in F32 only (add "
             "'keep fp32 kind=norm,bias', or use a llama.cpp mixture base such as Q8_0)";
  }
  return std::nullopt;
}

GgufExportSummary export_gguf(const Model& model, const quant::ResolvedPlan& rp, const std::string& out) {
  if (auto why = gguf_refusal(model, rp)) fail("export", *why);
  const GgufFile& src = *model.gguf();

  GgufWriter w(src.alignment());
  // Metadata: the source's, architecture first, with what llama-quantize itself rewrites.
  static const std::vector<std::string> dropped = {"general.architecture", "general.file_type",
                                                   "general.quantization_version", "split.no", "split.count",
                                                   "split.tensors.count"};
  w.set("general.architecture", src.metadata().at("general.architecture"));
  for (const auto& [key, value] : src.metadata())
    if (std::find(dropped.begin(), dropped.end(), key) == dropped.end()) w.set(key, value);
  w.set("general.quantization_version", GgufValue::u32(2));  // ggml's GGML_QNT_VERSION
  if (!rp.plan.mixture.empty()) w.set("general.file_type", GgufValue::u32(*llama_ftype_of(rp.plan.mixture)));
  if (rp.imatrix) {
    std::string datasets;
    for (const auto& d : rp.imatrix->datasets) datasets += (datasets.empty() ? "" : ", ") + d;
    w.set("quantize.imatrix.file", GgufValue::string(rp.plan.imatrix));
    w.set("quantize.imatrix.dataset", GgufValue::string(datasets));
    w.set("quantize.imatrix.entries_count", GgufValue::i32(static_cast<int32_t>(rp.imatrix->entries.size())));
    w.set("quantize.imatrix.chunks_count", GgufValue::i32(static_cast<int32_t>(rp.imatrix->chunk_count)));
  }

  std::map<std::string, const quant::ResolvedTensor*> by_name;
  for (const auto& r : rp.tensors) by_name[model.tensors()[r.index].canonical] = &r;
  std::vector<std::string> names;
  for (const auto& [name, view] : src.tensors()) names.push_back(name);
  std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    const int la = block_of(a), lb = block_of(b);
    return la != lb ? la < lb : a < b;
  });

  GgufExportSummary sum;
  for (const auto& name : names) {
    const TensorView& view = src.tensor(name);
    auto it = by_name.find(name);
    const quant::ResolvedTensor* r = it == by_name.end() ? nullptr : it->second;
    ++sum.tensors;
    if (!r || r->as_stored) {  // not the plan's to change: copied as stored
      ++sum.by_type[std::string(dtype_name(view.dtype))];
      w.add_tensor_lazy(name, view.dtype, view.shape, [&view] { return as_bytes(view.data, view.nbytes); });
      continue;
    }
    const DType dtype = *gguf_dtype(r->format);
    ++sum.converted;
    sum.imatrix += r->quant_weights != nullptr;
    ++sum.by_type[std::string(dtype_name(dtype))];
    // The model's own view may hold rows in another order (llama's Q/K are un-permuted at load);
    // the file's view is in the order llama.cpp reads. ggml quantizes row by row and the
    // importance weights are per column, so these are the simulation's rows, reordered.
    TensorInfo t = model.tensors()[r->index];
    t.view = &view;
    t.in_major = false;
    w.add_tensor_lazy(name, dtype, view.shape, [t, r] {
      const std::vector<float> v = quant::logical_values(t);
      if (r->format.kind == Kind::F32) return as_bytes(v.data(), v.size() * sizeof(float));
      const int64_t rows = quant::logical_rows(t), cols = quant::logical_cols(t);
      const auto q = quant::QuantizedMatrix::encode(r->format, v.data(), rows, cols,
                                                    r->quant_weights ? r->quant_weights->data() : nullptr);
      return as_bytes(q->row_blocks(0), static_cast<size_t>(rows * q->row_bytes()));
    });
  }
  w.write(out);
  sum.file_bytes = std::filesystem::file_size(out);
  return sum;
}

}  // namespace lq::exporter
