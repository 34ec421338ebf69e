// A batch of rows for one forward pass: several independent sequences packed end to end.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/attention.h"

namespace lq {

struct Batch {
  std::vector<int32_t> tokens;     // one per row
  std::vector<int32_t> positions;  // position of each row inside its own sequence
  std::vector<Segment> segments;   // the sequences; rows attend only within their segment

  int64_t rows() const { return static_cast<int64_t>(tokens.size()); }
  void add_sequence(const std::vector<int32_t>& ids);
  void clear();
};

}  // namespace lq
