#include "quant/plan_export.h"

#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/half.h"
#include "core/mapped_file.h"
#include "formats/safetensors_writer.h"

namespace lq::quant {
namespace fs = std::filesystem;

namespace {
// True when every value survives a round trip through dtype unchanged.
bool exact_in(DType dtype, const std::vector<float>& values) {
  for (float v : values) {
    const float back = dtype == DType::F16 ? f16_to_f32(f32_to_f16(v)) : bf16_to_f32(f32_to_bf16(v));
    if (!(back == v) && !(std::isnan(v) && std::isnan(back))) return false;
  }
  return true;
}
}  // namespace

void write_simulated_checkpoint(const Model& model, const WeightSet& weights, const std::string& out_dir,
                                DType dtype) {
  if (dtype != DType::F32 && dtype != DType::F16 && dtype != DType::BF16)
    fail(out_dir, "simulated checkpoints are written as F32, F16 or BF16");
  if (fs::exists(out_dir) && !fs::is_directory(out_dir)) fail(out_dir, "exists and is not a folder");
  if (fs::absolute(out_dir).lexically_normal() == fs::absolute(model.dir()).lexically_normal())
    fail(out_dir, "is the source checkpoint; choose another folder");
  SafetensorsWriter writer;
  writer.set_metadata("format", "pt");
  writer.set_metadata("langquant", "simulated quantization plan: dequantized " + std::string(dtype_name(dtype)) + " values");
  const auto& tensors = model.tensors();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorInfo& t = tensors[i];
    if (!weights.is_overridden(static_cast<int>(i))) {
      const auto* b = t.view->data;
      writer.add(t.hf_name, t.view->dtype, t.view->shape, std::vector<std::byte>(b, b + t.view->nbytes));
      continue;
    }
    std::vector<float> values(static_cast<size_t>(t.view->numel()));
    if (t.is_matrix()) {
      const MatrixRef m = weights.matrix(t.canonical);  // overridden: F32 or compressed, [out, in]
      std::vector<float> src(values.size());
      if (m.decoder)
        m.decoder->decode_rows(0, m.out, src.data());
      else
        std::memcpy(src.data(), m.data, src.size() * sizeof(float));
      for (int64_t o = 0; o < m.out; ++o)
        for (int64_t k = 0; k < m.in; ++k)
          values[static_cast<size_t>(t.in_major ? k * m.out + o : o * m.in + k)] = src[o * m.in + k];
    } else {
      std::memcpy(values.data(), weights.vector(t.canonical), values.size() * sizeof(float));
    }
    if (dtype != DType::F32 && !exact_in(dtype, values))
      fail(out_dir, t.canonical + ": the plan's values are not all exact in " + std::string(dtype_name(dtype)) +
                        " (write F32, or use a plan that rounds to it, e.g. base=fp16)");
    writer.add_f32(t.hf_name, dtype, t.view->shape, values);
  }
  fs::create_directories(out_dir);
  writer.write((fs::path(out_dir) / "model.safetensors").string());
  for (const char* f : {"config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                        "generation_config.json"}) {
    const fs::path src = fs::path(model.dir()) / f;
    if (fs::exists(src)) write_file_atomic((fs::path(out_dir) / f).string(), read_file(src.string()));
  }
}

}  // namespace lq::quant
