#include "model/hf_export.h"

#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/half.h"
#include "core/mapped_file.h"
#include "formats/safetensors_writer.h"
#include "model/checkpoint.h"

namespace lq {
namespace fs = std::filesystem;

namespace {
// True when every value survives a round trip through dtype unchanged.
bool exact_in(DType dtype, const std::vector<float>& values) {
  if (dtype == DType::F32) return true;
  for (float v : values) {
    const float back = dtype == DType::F16 ? f16_to_f32(f32_to_f16(v)) : bf16_to_f32(f32_to_bf16(v));
    if (!(back == v) && !(std::isnan(v) && std::isnan(back))) return false;
  }
  return true;
}

// The tensor's values in its Hugging Face storage order (Conv1D matrices are [in, out]).
std::vector<float> values_as_hf_stores(const Model& model, const WeightSet& weights, const TensorInfo& t) {
  std::vector<float> values(static_cast<size_t>(t.view->numel()));
  if (!t.is_matrix()) {
    std::memcpy(values.data(), weights.vector(t.canonical), values.size() * sizeof(float));
    if (t.hf_values) t.hf_values->to_hf(values.data(), static_cast<int64_t>(values.size()));
    return values;
  } else {
    const MatrixRef m = weights.matrix(t.canonical);
    std::vector<float> rows(values.size());
    for (int64_t o = 0; o < m.out; ++o) weights.matrix_row(t.canonical, o, rows.data() + o * m.in);
    if (!t.in_major) return rows;
    for (int64_t o = 0; o < m.out; ++o)
      for (int64_t k = 0; k < m.in; ++k) values[static_cast<size_t>(k * m.out + o)] = rows[o * m.in + k];
  }
  return values;
}

std::vector<int64_t> hf_shape(const TensorInfo& t) {
  if (t.is_matrix()) return t.in_major ? std::vector<int64_t>{t.in_dim(), t.out_dim()} : std::vector<int64_t>{t.out_dim(), t.in_dim()};
  return t.view->shape;
}
}  // namespace

void write_hf_checkpoint(const Model& model, const WeightSet& weights, const std::string& out_dir, DType dtype,
                         Rounding rounding) {
  if (dtype != DType::F32 && dtype != DType::F16 && dtype != DType::BF16)
    fail(out_dir, "checkpoints are written as F32, F16 or BF16");
  if (fs::exists(out_dir) && !fs::is_directory(out_dir)) fail(out_dir, "exists and is not a folder");
  if (fs::absolute(out_dir).lexically_normal() == fs::absolute(model.dir()).lexically_normal())
    fail(out_dir, "is the source checkpoint; choose another folder");
  const bool from_hf = model.gguf() == nullptr;
  SafetensorsWriter writer;
  writer.set_metadata("format", "pt");
  writer.set_metadata("langquant", from_hf ? "simulated quantization plan: dequantized " + std::string(dtype_name(dtype)) + " values"
                                           : "dequantized " + std::string(dtype_name(dtype)) + " values of " +
                                                 fs::path(model.dir()).filename().string());
  const auto& tensors = model.tensors();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorInfo& t = tensors[i];
    if (from_hf && !weights.is_overridden(static_cast<int>(i))) {
      const auto* b = t.view->data;
      writer.add(t.hf_name, t.view->dtype, t.view->shape, std::vector<std::byte>(b, b + t.view->nbytes));
      continue;
    }
    const std::vector<float> values = values_as_hf_stores(model, weights, t);
    if (rounding == Rounding::Exact && !exact_in(dtype, values))
      fail(out_dir, t.canonical + ": the values are not all exact in " + std::string(dtype_name(dtype)) +
                        " (write F32, or use a plan that rounds to it, e.g. base=fp16)");
    writer.add_f32(t.hf_name, dtype, hf_shape(t), values);
  }
  // Everything is built in memory first, so a failure above leaves no folder behind; a failure
  // while writing (a full disk) removes what this call wrote: the files, and the folders it created.
  fs::path created_root;  // the outermost folder this call creates, if any
  for (fs::path p = fs::absolute(out_dir).lexically_normal(); !p.empty() && !fs::exists(p); p = p.parent_path()) {
    created_root = p;
    if (p == p.parent_path()) break;
  }
  std::vector<fs::path> written;
  auto write = [&](const char* name, const std::string& text) {
    written.push_back(fs::path(out_dir) / name);
    write_file_atomic(written.back().string(), text);
  };
  try {
    std::error_code ec;
    if (!fs::create_directories(out_dir, ec) && ec) fail(out_dir, "cannot create the folder: " + ec.message());
    written.push_back(fs::path(out_dir) / "model.safetensors");
    writer.write(written.back().string());
    if (from_hf) {
      for (const char* f : {"config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                            "generation_config.json"}) {
        const fs::path src = fs::path(model.dir()) / f;
        if (fs::exists(src)) write(f, read_file(src.string()));
      }
      return;
    }
    write("config.json", model.config().raw().dump(2) + "\n");
    write("tokenizer.json", tokenizer_json_of(model).dump(2) + "\n");
    // transformers picks the fast tokenizer from tokenizer.json alone with this class name.
    nlohmann::json tc = {{"tokenizer_class", "PreTrainedTokenizerFast"}};
    write("tokenizer_config.json", tc.dump(2) + "\n");
  } catch (...) {
    std::error_code ec;
    for (const auto& f : written) fs::remove(f, ec);
    if (!created_root.empty()) fs::remove_all(created_root, ec);
    throw;
  }
}

}  // namespace lq
