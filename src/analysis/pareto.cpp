#include "analysis/pareto.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace lq::analysis {

std::vector<size_t> pareto_front(const std::vector<ParetoPoint>& pts) {
  std::vector<size_t> order;
  for (size_t i = 0; i < pts.size(); ++i)
    if (!std::isnan(pts[i].cost) && !std::isnan(pts[i].objective)) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (pts[a].cost != pts[b].cost) return pts[a].cost < pts[b].cost;
    if (pts[a].objective != pts[b].objective) return pts[a].objective < pts[b].objective;
    return a < b;
  });
  // Sweep by increasing cost, one run of equal cost at a time: the run's lowest objective is
  // on the front only if it beats every cheaper point's objective strictly (an equal
  // objective at lower cost dominates it); the rest of the run is dominated by that point.
  std::vector<size_t> front;
  double best = std::numeric_limits<double>::infinity();
  bool any = false;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && pts[order[j]].cost == pts[order[i]].cost) ++j;
    const double lowest = pts[order[i]].objective;
    if (!any || lowest < best) {
      for (size_t k = i; k < j && pts[order[k]].objective == lowest; ++k) front.push_back(order[k]);
      best = lowest;
      any = true;
    }
    i = j;
  }
  return front;
}

}  // namespace lq::analysis
