// How a sweep is cut into shards that run apart (on the nodes of a cluster) and are merged into
// one store afterwards (experiments/sweep_merge.h). The work of a sweep is a grid of cells, one
// per (set, piece): set 0 is full precision, set s > 0 is plan s. Cells are numbered piece by
// piece, cell = piece * sets + set, so a shard that owns a run of consecutive cells scores
// whole pieces with many plans at once and the FP pass beside them, as the unsharded runner
// does. Shard K of N owns the cells whose start, counted in rows (a cell weighs its piece's
// token rows, plus one), falls in the K-th N-th of the total: the shards' costs are even, and
// the share depends only on the sweep's setup, never on the machine or the order of runs.
//
// Every result is a function of its cell alone (the engine scores a piece's units the same way
// whichever sets share the pass), so the merged store holds the unsharded run's bits exactly,
// given the same build and thread count.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lq::experiments {

struct Shard {
  int index = 1, count = 1;  // K/N, 1 <= K <= N
};

// "K/N" with 1 <= K <= N; fails naming `what` otherwise.
Shard parse_shard(const std::string& text, const std::string& what = "--shard");

// Cells [first, end) that shard K/N owns, for pieces whose token rows are piece_rows and
// `sets` sets (plans + 1).
struct CellRange {
  int64_t first = 0, end = 0;
  bool owns(int set, int piece, int sets) const {
    const int64_t c = static_cast<int64_t>(piece) * sets + set;
    return c >= first && c < end;
  }
};
CellRange shard_cells(const Shard& shard, const std::vector<int64_t>& piece_rows, int sets);

// The store's record of a share: {"index": K, "count": N, "cells": [first, end]}.
nlohmann::json shard_json(const Shard& shard, const CellRange& cells);
CellRange cells_of(const nlohmann::json& shard);

}  // namespace lq::experiments
