// The per-block part of an architecture's tensor table, as data: each row names a canonical
// part ("attn_qkv"), the Hugging Face part ("attn.c_attn") and the logical [out, in] shape
// (in == 0: a 1-D norm of length out). add_block_tensors expands it into weight and bias rows
// under every Hugging Face prefix the architecture's checkpoints use.
#pragma once
#include <initializer_list>
#include <string>
#include <vector>

#include "model/arch.h"

namespace lq {

struct BlockTensor {
  const char* canon;
  const char* hf;
  int64_t out, in;
};

struct BlockTableOptions {
  std::vector<std::string> prefixes;  // e.g. {"transformer.h.{L}.", "h.{L}."}, first present wins
  bool in_major = false;              // matrices stored [in, out] (GPT-2's Conv1D)
  bool norm_bias = true;              // norms have a bias (LayerNorm) or not (RMSNorm)
  bool bias_required = true;          // false: matrix biases are optional (the checkpoint decides)
  const char* per_head_qkv = nullptr; // canonical part stored [n_head, 3, head_dim] (NeoX, BLOOM)
};

void add_block_tensors(std::vector<TensorRow>& table, std::initializer_list<BlockTensor> blocks,
                       const BlockTableOptions& opt);

}  // namespace lq
