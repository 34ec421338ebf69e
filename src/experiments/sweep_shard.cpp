#include "experiments/sweep_shard.h"

#include "core/error.h"

namespace lq::experiments {

Shard parse_shard(const std::string& text, const std::string& what) {
  // Digits only (no sign, no spaces), at most 9 of them each: stoi cannot overflow.
  const auto number = [](const std::string& t) {
    if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos) return -1;
    return std::stoi(t);
  };
  const auto slash = text.find('/');
  Shard s;
  s.index = slash == std::string::npos ? -1 : number(text.substr(0, slash));
  s.count = slash == std::string::npos ? -1 : number(text.substr(slash + 1));
  if (s.index < 0 || s.count < 0) fail(what + " " + text, "expected K/N, shard K of N (for example 2/5)");
  if (s.count < 1 || s.index < 1 || s.index > s.count)
    fail(what + " " + text, "expected K/N with 1 <= K <= N (shards are counted from 1)");
  return s;
}

CellRange shard_cells(const Shard& shard, const std::vector<int64_t>& piece_rows, int sets) {
  // Cell c's start is the summed weight of the cells before it; shard k (0-based) owns the cells
  // whose start s has k * W <= s * N < (k + 1) * W. Integer arithmetic: no rounding to differ.
  int64_t total = 0;
  for (const int64_t r : piece_rows) total += (r + 1) * sets;
  const auto lo = static_cast<__int128>(shard.index - 1) * total, hi = static_cast<__int128>(shard.index) * total;
  CellRange out;
  int64_t start = 0, cell = 0;
  bool in = false;
  for (const int64_t r : piece_rows)
    for (int s = 0; s < sets; ++s, ++cell) {
      const __int128 at = static_cast<__int128>(start) * shard.count;
      if (!in && at >= lo) {
        out.first = cell;
        in = true;
      }
      if (at >= hi) return {in ? out.first : cell, cell};
      start += r + 1;
    }
  if (!in) out.first = cell;
  out.end = cell;
  return out;
}

nlohmann::json shard_json(const Shard& shard, const CellRange& cells) {
  return {{"index", shard.index}, {"count", shard.count}, {"cells", {cells.first, cells.end}}};
}

CellRange cells_of(const nlohmann::json& shard) {
  return {shard["cells"][0].get<int64_t>(), shard["cells"][1].get<int64_t>()};
}

}  // namespace lq::experiments
