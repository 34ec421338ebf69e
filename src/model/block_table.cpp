#include "model/block_table.h"

namespace lq {

void add_block_tensors(std::vector<TensorRow>& table, std::initializer_list<BlockTensor> blocks,
                       const BlockTableOptions& opt) {
  for (const BlockTensor& b : blocks) {
    const std::string canon = std::string("blk.{L}.") + b.canon;
    auto names = [&](const char* suffix) {
      std::vector<std::string> n;
      for (const auto& p : opt.prefixes) n.push_back(p + b.hf + suffix);
      return n;
    };
    const bool matrix = b.in > 0;
    const bool per_head = opt.per_head_qkv && std::string(b.canon) == opt.per_head_qkv;
    TensorRow w{canon + ".weight", names(".weight"), matrix && opt.in_major, true, {b.out}};
    if (matrix) w.shape = opt.in_major ? std::vector<int64_t>{b.in, b.out} : std::vector<int64_t>{b.out, b.in};
    w.qkv_per_head = per_head;
    table.push_back(w);
    if (!matrix && !opt.norm_bias) continue;
    TensorRow bias{canon + ".bias", names(".bias"), false, !matrix || opt.bias_required, {b.out}};
    bias.qkv_per_head = per_head;
    table.push_back(bias);
  }
}

}  // namespace lq
