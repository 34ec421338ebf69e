// langquant convert MODEL.gguf --out DIR: a Hugging Face folder of the dequantized weights.
#include <cstdio>

#include "cli/commands.h"
#include "model/checkpoint.h"
#include "model/hf_export.h"

namespace lq::cli {
namespace {

struct ConvertArgs {
  std::string model, out, dtype = "f32";
};

void run_convert(const ConvertArgs& a) {
  const auto model = Model::load(a.model);
  const WeightSet weights(*model);
  const DType dtype = a.dtype == "bf16" ? DType::BF16 : DType::F32;
  write_hf_checkpoint(*model, weights, a.out, dtype, Rounding::Nearest);
  std::printf("wrote %s: %s, %lld parameters as %s%s\n", a.out.c_str(), model->config().model_type().c_str(),
              static_cast<long long>(model->parameter_count()), a.dtype.c_str(),
              dtype == DType::BF16 ? " (dequantized values rounded to bfloat16: approximate)" : " (exact)");
}

}  // namespace

void register_convert(CLI::App& app) {
  auto a = std::make_shared<ConvertArgs>();
  auto* cmd = app.add_subcommand(
      "convert",
      "Write a Hugging Face checkpoint folder (config.json, model.safetensors, tokenizer.json) of a GGUF file's "
      "weights, every quantized tensor dequantized exactly as ggml does, so transformers and every other tool "
      "can load the model. F32 is exact; bf16 rounds the dequantized values.");
  cmd->add_option("model", a->model, "GGUF file (or the first shard of a split GGUF), or a checkpoint folder")
      ->required();
  cmd->add_option("--out", a->out, "Folder to write")->required();
  cmd->add_option("--dtype", a->dtype, "f32 (exact, default) or bf16 (half the size, rounded)")
      ->check(CLI::IsMember({"f32", "bf16"}));
  cmd->callback([a] { run_convert(*a); });
}

}  // namespace lq::cli
