// How a sweep's cells are shared between shards: for any piece sizes and shard counts the
// shares are contiguous, disjoint and cover every cell, each holds about 1/N of the weight (at
// most one cell's weight more), and the share depends only on the inputs.
#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "experiments/sweep_shard.h"

namespace lq::experiments {
namespace {

TEST(SweepShard, SharesCoverEveryCellOnceAndBalanceTheWeight) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    const int pieces = 1 + static_cast<int>(rng() % 40), sets = 1 + static_cast<int>(rng() % 12);
    std::vector<int64_t> rows(static_cast<size_t>(pieces));
    for (auto& r : rows) r = static_cast<int64_t>(rng() % 500);
    int64_t total = 0, heaviest = 0;
    for (const auto r : rows) {
      total += (r + 1) * sets;
      heaviest = std::max(heaviest, r + 1);
    }
    const int64_t cells = static_cast<int64_t>(pieces) * sets;
    for (int n = 1; n <= 9; ++n) {
      int64_t next = 0;
      for (int k = 1; k <= n; ++k) {
        const CellRange c = shard_cells({k, n}, rows, sets);
        ASSERT_EQ(c.first, next) << "shard " << k << "/" << n << " does not start where the last ended";
        ASSERT_LE(c.first, c.end);
        next = c.end;
        int64_t weight = 0;
        for (int64_t i = c.first; i < c.end; ++i) weight += rows[static_cast<size_t>(i / sets)] + 1;
        // Cells are whole, so a share may exceed 1/N of the weight by less than one cell.
        EXPECT_LT(static_cast<double>(weight), static_cast<double>(total) / n + static_cast<double>(heaviest));
        // owns() agrees with the range, cell by cell.
        for (int p = 0; p < pieces; ++p)
          for (int s = 0; s < sets; ++s) {
            const int64_t i = static_cast<int64_t>(p) * sets + s;
            ASSERT_EQ(c.owns(s, p, sets), i >= c.first && i < c.end);
          }
        EXPECT_EQ(cells_of(shard_json({k, n}, c)).first, c.first);
        EXPECT_EQ(cells_of(shard_json({k, n}, c)).end, c.end);
      }
      ASSERT_EQ(next, cells) << n << " shards leave cells out";
    }
  }
}

TEST(SweepShard, OneShardOwnsEverything) {
  const CellRange c = shard_cells({1, 1}, {3, 0, 7}, 4);
  EXPECT_EQ(c.first, 0);
  EXPECT_EQ(c.end, 12);
}

TEST(SweepShard, EvenPiecesSplitEvenly) {
  // 4 pieces of equal weight, 2 sets: 8 cells of equal weight; 4 shards get 2 cells each.
  for (int k = 1; k <= 4; ++k) {
    const CellRange c = shard_cells({k, 4}, {9, 9, 9, 9}, 2);
    EXPECT_EQ(c.first, 2 * (k - 1));
    EXPECT_EQ(c.end, 2 * k);
  }
}

TEST(SweepShard, ParsesKOfN) {
  const Shard s = parse_shard("2/5");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 5);
  for (const char* bad : {"0/5", "6/5", "1/0", "x/2", "1/", "/2", "1-2", "1/2/3", " 1/2", "1/2 "})
    EXPECT_THROW(parse_shard(bad), Error) << bad;
}

}  // namespace
}  // namespace lq::experiments
