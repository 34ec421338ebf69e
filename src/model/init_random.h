// Writes a new checkpoint folder with random weights for an architecture: config.json and
// model.safetensors under the architecture's own Hugging Face names, so that transformers
// loads it. Matrices and embeddings ~ N(0, std), norm weights 1, biases 0 (as
// transformers' _init_weights does). Used for demos, benchmarks and as a trainer's start.
#pragma once
#include <cstdint>
#include <string>

#include "core/dtype.h"
#include "model/hparams.h"

namespace lq {

struct RandomInitOptions {
  std::string arch = "gpt2";
  HParams hparams;
  DType dtype = DType::F32;
  float std = 0.02f;
  uint64_t seed = 0;
};

void write_random_checkpoint(const std::string& dir, const RandomInitOptions& opt);

}  // namespace lq
