// Pareto frontier: the sweep against a brute-force O(n^2) dominance check on random points
// (with many ties and duplicates drawn from a small grid), and the documented edge cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "analysis/pareto.h"

namespace lq::analysis {
namespace {

bool dominates(const ParetoPoint& q, const ParetoPoint& p) {
  return q.cost <= p.cost && q.objective <= p.objective && (q.cost < p.cost || q.objective < p.objective);
}

std::vector<size_t> brute_force(const std::vector<ParetoPoint>& pts) {
  std::vector<size_t> front;
  for (size_t i = 0; i < pts.size(); ++i) {
    if (std::isnan(pts[i].cost) || std::isnan(pts[i].objective)) continue;
    bool dominated = false;
    for (size_t j = 0; j < pts.size() && !dominated; ++j)
      dominated = j != i && !std::isnan(pts[j].cost) && !std::isnan(pts[j].objective) && dominates(pts[j], pts[i]);
    if (!dominated) front.push_back(i);
  }
  std::sort(front.begin(), front.end(), [&](size_t a, size_t b) {
    if (pts[a].cost != pts[b].cost) return pts[a].cost < pts[b].cost;
    if (pts[a].objective != pts[b].objective) return pts[a].objective < pts[b].objective;
    return a < b;
  });
  return front;
}

TEST(Pareto, MatchesBruteForceOnRandomPoints) {
  std::mt19937_64 g(1);
  for (int trial = 0; trial < 500; ++trial) {
    const int n = 1 + static_cast<int>(g() % 60);
    const bool grid = trial % 2 == 0;  // a coarse grid makes ties and duplicates common
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<ParetoPoint> pts(n);
    for (auto& p : pts) {
      p.cost = grid ? static_cast<double>(g() % 6) : u(g);
      p.objective = grid ? static_cast<double>(g() % 6) : u(g);
      if (g() % 40 == 0) p.objective = NAN;
    }
    ASSERT_EQ(pareto_front(pts), brute_force(pts)) << "trial " << trial;
  }
}

TEST(Pareto, DocumentedEdgeCases) {
  EXPECT_TRUE(pareto_front({}).empty());
  // Duplicates of a frontier point are all kept; a same-cost worse point and a same-objective
  // dearer point are not.
  const std::vector<ParetoPoint> pts{{"a", 1, 5}, {"b", 1, 5}, {"c", 1, 6}, {"d", 2, 5},
                                     {"e", 2, 3}, {"f", 3, 1}, {"g", NAN, 0}, {"h", 0.5, INFINITY}};
  EXPECT_EQ(pareto_front(pts), (std::vector<size_t>{7, 0, 1, 4, 5}));
}

}  // namespace
}  // namespace lq::analysis
