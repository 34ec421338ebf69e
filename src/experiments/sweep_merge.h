// Merges the stores of a sharded sweep (experiments/sweep_shard.h) into one store that holds
// exactly what an unsharded run of the same sweep holds: the same setup (without a share) and,
// cell by cell, the shards' results copied bit for bit. Its exports are therefore byte-identical
// to the unsharded run's.
//
// Everything is checked before the output is touched: every input is a finished sweep store of
// the same sweep (setup, plans and experiment equal), together they hold every (set, piece)
// cell, and a cell two stores hold has the same bits in both. A failure is one line naming the
// store (or, for a shard no store holds, the output). The output is a sweep store like any
// other: merging into it again resumes (cells it has are kept), and it is locked while written.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lq::experiments {

struct MergeSummary {
  int stores = 0;
  int64_t cells = 0;    // (set, piece) cells of the sweep
  int64_t written = 0;  // cells copied into the output by this merge
};

MergeSummary merge_sweep_stores(const std::vector<std::string>& stores, const std::string& out);

}  // namespace lq::experiments
