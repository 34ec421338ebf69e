// Learning rate by step: linear warmup from lr/warmup to lr over `warmup` steps, then cosine
// decay to min_lr at the last step (and min_lr beyond it).
#pragma once
#include <cstdint>

namespace lq::train {

struct LrSchedule {
  double lr = 1e-3, min_lr = 1e-4;
  int64_t warmup = 0, total = 1;
  // Learning rate of optimizer step `step` (0-based).
  double at(int64_t step) const;
};

}  // namespace lq::train
