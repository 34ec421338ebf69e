// The Pareto frontier of plans: which ones no other plan beats on both cost (e.g. overhead,
// bytes) and objective (e.g. LR disparity, delta bpb), both minimised.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace lq::analysis {

struct ParetoPoint {
  std::string name;
  double cost = 0, objective = 0;  // both minimised
};

// Indices of the points no other point dominates, sorted by cost (then objective, then index).
// q dominates p when q.cost <= p.cost and q.objective <= p.objective with at least one strict.
// Consequences, by design: exact duplicates (same cost and objective) do not dominate each
// other, so all copies of a frontier point are returned; of several points at the same cost
// only those with the lowest objective can be on the front, and of several at the same
// objective only those with the lowest cost. Points with a NaN coordinate are never on the
// front and dominate nothing (a plan whose disparity is "unstable" has no place on it).
std::vector<size_t> pareto_front(const std::vector<ParetoPoint>& pts);

}  // namespace lq::analysis
