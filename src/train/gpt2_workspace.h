// Activation buffers of Gpt2Trainable's forward/backward, kept between batches so that each
// step reuses memory instead of allocating (and zero-filling) it again. Internal to lq_train.
#pragma once
#include <cstdint>
#include <vector>

#include "train/gpt2_trainable.h"

namespace lq::train {

inline float* grow(std::vector<float>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
  return v.data();
}

// What one block's backward reads, all [M, width] row-major.
struct BlockActs {
  std::vector<float> xhat1, rstd1, y1, qkv, probs, att, xhat2, rstd2, y2, fc_pre, fc_act;
  void reserve(int64_t M, int64_t D, int64_t F, int64_t n_probs) {
    grow(xhat1, M * D), grow(rstd1, M), grow(y1, M * D), grow(qkv, 3 * M * D), grow(probs, n_probs);
    grow(att, M * D), grow(xhat2, M * D), grow(rstd2, M), grow(y2, M * D), grow(fc_pre, M * F);
    grow(fc_act, M * F);
  }
};


struct Gpt2Trainable::Workspace {
  std::vector<BlockActs> acts;
  std::vector<float> xs, xhatf, rstdf, hf, dx, tmp, dbig, dmid, dqkv, scratch, logits, hc, dhc, dhf;
};

}  // namespace lq::train
