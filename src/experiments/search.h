// Searching for the cheapest protection that makes quantization fair enough. A candidate is a
// set of "tensor groups" (protectable units: each one plan rule, e.g. `keep fp16 layers=3`);
// the Evaluator scores candidates' fairness objective (point + paired bootstrap replicates) on
// the first n units of every language, and a cost function prices a set (overhead: share of
// parameters kept). Both methods stop at the target (objective <= bound) or the budget:
//  greedy  adds, step by step, the group that most lowers the objective per unit of added cost;
//          when some candidates of a step already meet the target, the cheapest of them wins.
//  beam    keeps the `width` best sets (lowest objective) of each size, expands each by one
//          group, and returns the cheapest set found that meets the target.
// Statistical racing: the candidates of one step are scored on growing unit prefixes
// (doubling from race_start); after each round a candidate whose interval is entirely worse
// than that of the round's k-th best (k = 1 for greedy, width for beam) is dropped, so it uses
// no further evaluations. The survivors are finally compared on all units.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "experiments/search_objective.h"

namespace lq::experiments {

using GroupSet = std::vector<int>;  // sorted group indices

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // Units per language available (the largest prefix).
  virtual size_t total_units() const = 0;
  // Objective of every set on the first n units of each language; replicate r of every sample
  // resamples the same units (paired). The empty set is the base plan.
  virtual std::vector<ObjectiveSample> evaluate(const std::vector<GroupSet>& sets, size_t n) = 0;
};

struct SearchOptions {
  enum Method { Greedy, Beam } method = Greedy;
  int width = 3;            // beam width
  Target target;
  double budget = 0.15;     // largest cost allowed
  bool race = true;
  size_t race_start = 8;    // units per language in the first racing round
  double confidence = 0.95;
  std::function<void(const std::string&)> progress;  // one line per event (may be empty)
  std::vector<std::string> group_names;               // for progress lines (else numbers)
};

struct Interval {
  double value = 0, lo = 0, hi = 0;
};

struct SearchStep {
  int added = -1;        // group added at this step (-1: the start, the base plan)
  GroupSet set;
  double cost = 0;
  Interval objective;    // on all units
  bool unstable = false; // lr_disparity with a reference degradation interval containing 0
  bool meets(const Target& t) const { return !unstable && objective.value <= t.bound; }
};

struct SearchResult {
  std::vector<SearchStep> path;  // from the base plan to the chosen set
  bool meets_target = false;     // the chosen set's objective point <= bound (and is stable)
  int64_t unit_evaluations = 0;  // candidate x language-unit scorings done (cached ones counted once)
  int64_t unit_evaluations_without_racing = 0;  // the same search, every candidate on all units
  int candidates = 0;            // candidate sets considered
  const SearchStep& final() const { return path.back(); }
};

// cost(set) must be >= 0 and grow with the set; groups are indices [0, n_groups).
SearchResult run_search(Evaluator& ev, size_t n_groups, const std::function<double(const GroupSet&)>& cost,
                        const SearchOptions& opt);

Interval interval_of(const ObjectiveSample& s, double confidence);

}  // namespace lq::experiments
