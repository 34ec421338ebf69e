// `langquant train`: a GPT-2 trained from scratch on a language mix (data_mix.h) with AdamW,
// linear warmup + cosine decay, global-norm clipping; HF checkpoints at chosen steps, each with
// the optimizer state beside it so that an interrupted run resumes from the last one and ends
// bit-identical to an uninterrupted run (same seed, same threads).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "train/adamw.h"

namespace lq::train {

struct TrainConfig {
  std::string mix_path, out_dir;
  std::string tokenizer_path;  // empty: train a byte-level BPE on a sample of the mix
  int vocab_size = 4096;       // of a trained tokenizer
  int64_t tokenizer_sample_bytes = 2'000'000;
  int64_t layers = 4, d_model = 256, heads = 4, ctx = 128;
  int64_t batch = 16, steps = 1000;
  int64_t warmup = -1;  // -1: min(100, steps / 10)
  double lr = 1e-3, min_lr = 1e-4, clip = 1.0;
  AdamWOptions adam;
  uint64_t seed = 0;
  std::vector<int64_t> save_at;  // steps to checkpoint at (the last step always is); 0 = initial weights
  bool resume = false;
  int64_t log_every = 10;
  bool quiet = false;
  // Test hooks: stop as if interrupted after this many steps (-1: never); write every batch
  // (ids and language per sequence) as JSON lines to this file.
  int64_t stop_after = -1;
  std::string dump_batches;
};

struct TrainSummary {
  int64_t first_step = 0, last_step = 0;  // steps run by this invocation: (first, last]
  double tokens_per_second = 0, last_loss = 0;
  int64_t parameters = 0;
};

TrainSummary run_training(const TrainConfig& cfg);

}  // namespace lq::train
