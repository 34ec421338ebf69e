#include "model/batch.h"

#include <cstddef>

namespace lq {

void Batch::add_sequence(const std::vector<int32_t>& ids) {
  segments.push_back({rows(), static_cast<int64_t>(ids.size())});
  for (std::size_t i = 0; i < ids.size(); ++i) {
    tokens.push_back(ids[i]);
    positions.push_back(static_cast<int32_t>(i));
  }
}

void Batch::clear() {
  tokens.clear();
  positions.clear();
  segments.clear();
}

}  // namespace lq
