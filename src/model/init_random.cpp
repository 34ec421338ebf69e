#include "model/init_random.h"

#include <filesystem>
#include <random>

#include "core/atomic_file.h"
#include "core/error.h"
#include "formats/safetensors_writer.h"
#include "model/arch.h"
#include "model/model.h"
#include "model/tensor_info.h"

namespace lq {

void write_random_checkpoint(const std::string& dir, const RandomInitOptions& opt) {
  ModelConfig probe = ModelConfig::from_json({{"model_type", opt.arch}}, "--arch " + opt.arch);
  const Architecture& arch = find_architecture(probe);
  if (!arch.make_config) fail("--arch " + opt.arch, "cannot create new checkpoints of this architecture");
  const nlohmann::json config = arch.make_config(opt.hparams);
  // Reading the config back validates the hyper-parameters exactly as loading will.
  const HParams hp = arch.read_hparams(ModelConfig::from_json(config, "--arch " + opt.arch));

  std::mt19937_64 rng(opt.seed);
  std::normal_distribution<float> normal(0.0f, opt.std);
  SafetensorsWriter writer;
  writer.set_metadata("format", "pt");
  for (const TensorRow& row : arch.tensor_table(hp)) {
    if (!row.required) continue;  // optional variants (e.g. Llama's attention biases) are left out
    const bool per_layer = row.canonical.find("{L}") != std::string::npos;
    for (int l = 0; l < (per_layer ? hp.n_layer : 1); ++l) {
      const std::string canonical = with_layer(row.canonical, l);
      int64_t n = 1;
      for (int64_t d : row.shape) n *= d;
      std::vector<float> values(static_cast<size_t>(n));
      const TensorKind kind = kind_of(canonical);
      const bool is_bias = canonical.size() > 5 && canonical.compare(canonical.size() - 5, 5, ".bias") == 0;
      if (kind == TensorKind::Norm && !is_bias)
        std::fill(values.begin(), values.end(), 1.0f);
      else if (kind == TensorKind::Weight)
        for (float& v : values) v = normal(rng);
      writer.add_f32(with_layer(row.hf_names.front(), l), opt.dtype, row.shape, values);
    }
  }
  std::filesystem::create_directories(dir);
  write_file_atomic((std::filesystem::path(dir) / "config.json").string(), config.dump(2) + "\n");
  writer.write((std::filesystem::path(dir) / "model.safetensors").string());
}

}  // namespace lq
