#include "experiments/search.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/error.h"
#include "eval/bootstrap.h"

namespace lq::experiments {

Interval interval_of(const ObjectiveSample& s, double confidence) {
  const Estimate e = percentile_interval(s.point, s.reps, confidence);
  return {e.value, s.reps.empty() ? e.value : e.lo, s.reps.empty() ? e.value : e.hi};
}

namespace {

// Evaluations through one place, so that units scored are counted once per (set, prefix).
class Counter {
 public:
  Counter(Evaluator& ev) : ev_(ev) {}
  std::vector<ObjectiveSample> evaluate(const std::vector<GroupSet>& sets, size_t n) {
    for (const auto& s : sets) {
      size_t& c = covered_[s];
      if (n > c) {
        done_ += static_cast<int64_t>(n - c);
        c = n;
      }
    }
    return ev_.evaluate(sets, n);
  }
  int64_t done() const { return done_; }
  size_t distinct() const { return covered_.size(); }

 private:
  Evaluator& ev_;
  std::map<GroupSet, size_t> covered_;
  int64_t done_ = 0;
};

// A sample turned into the quantity a race ranks (lower is better).
using ScoreFn = std::function<ObjectiveSample(size_t cand, const ObjectiveSample& s, const std::vector<ObjectiveSample>& extra)>;

struct RaceResult {
  std::vector<size_t> alive;               // candidate indices that reached all units
  std::vector<ObjectiveSample> objective;  // their objective on all units
  std::vector<ObjectiveSample> score;      // their score on all units
  std::vector<ObjectiveSample> extra;      // the extra sets on all units
};

// Scores `cands` (and `extra`, e.g. the current set a score is relative to) on doubling unit
// prefixes; drops a candidate once its score interval lies entirely above the interval of the
// round's k-th best point.
RaceResult race(Counter& ev, const std::vector<GroupSet>& cands, const std::vector<GroupSet>& extra,
                const ScoreFn& score, size_t k, size_t total, const SearchOptions& opt) {
  std::vector<size_t> alive(cands.size());
  for (size_t i = 0; i < alive.size(); ++i) alive[i] = i;
  size_t n = opt.race ? std::min(std::max<size_t>(opt.race_start, 2), total) : total;
  for (;;) {
    std::vector<GroupSet> sets;
    for (size_t i : alive) sets.push_back(cands[i]);
    sets.insert(sets.end(), extra.begin(), extra.end());
    const auto samples = ev.evaluate(sets, n);
    const std::vector<ObjectiveSample> ex(samples.begin() + static_cast<long>(alive.size()), samples.end());
    std::vector<ObjectiveSample> sc;
    for (size_t j = 0; j < alive.size(); ++j) sc.push_back(score(alive[j], samples[j], ex));
    if (n >= total) {
      RaceResult r;
      r.alive = alive;
      r.objective.assign(samples.begin(), samples.begin() + static_cast<long>(alive.size()));
      r.score = sc;
      r.extra = ex;
      return r;
    }
    if (alive.size() > k) {
      std::vector<size_t> order(alive.size());
      for (size_t j = 0; j < order.size(); ++j) order[j] = j;
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sc[a].point < sc[b].point; });
      const Interval kth = interval_of(sc[order[k - 1]], opt.confidence);
      std::vector<size_t> keep;
      for (size_t j = 0; j < alive.size(); ++j)
        if (!(interval_of(sc[j], opt.confidence).lo > kth.hi)) keep.push_back(alive[j]);
      if (opt.progress && keep.size() < alive.size())
        opt.progress("  racing at " + std::to_string(n) + " units/language: dropped " +
                     std::to_string(alive.size() - keep.size()) + " of " + std::to_string(alive.size()) + " candidates");
      alive = keep;
    }
    n = std::min(2 * n, total);
  }
}

std::string describe(const SearchStep& s) {
  char b[160];
  std::snprintf(b, sizeof b, "cost %.4f, objective %.4f [%.4f, %.4f]", s.cost, s.objective.value, s.objective.lo,
                s.objective.hi);
  return b;
}

GroupSet with(GroupSet s, int g) {
  s.push_back(g);
  std::sort(s.begin(), s.end());
  return s;
}

constexpr double kSlack = 1e-12;  // costs compared with the budget up to rounding

SearchResult greedy(Counter& ev, size_t n_groups, const std::function<double(const GroupSet&)>& cost,
                    const SearchOptions& opt, size_t total, SearchResult res) {
  SearchStep cur;
  cur.set = {};
  cur.cost = cost({});
  ObjectiveSample cur_sample = ev.evaluate({GroupSet{}}, total)[0];
  cur.objective = interval_of(cur_sample, opt.confidence);
  cur.unstable = cur_sample.unstable;
  res.path.push_back(cur);
  if (opt.progress) opt.progress("start (base plan): " + describe(cur));
  while (!cur.meets(opt.target)) {
    std::vector<GroupSet> cands;
    std::vector<int> added;
    std::vector<double> dcost;
    for (int g = 0; g < static_cast<int>(n_groups); ++g) {
      if (std::count(cur.set.begin(), cur.set.end(), g)) continue;
      GroupSet s = with(cur.set, g);
      const double c = cost(s);
      if (c > opt.budget + kSlack) continue;
      cands.push_back(s);
      added.push_back(g);
      dcost.push_back(std::max(c - cur.cost, 1e-12));
    }
    if (cands.empty()) break;
    res.candidates += static_cast<int>(cands.size());
    // Improvement per unit of cost, negated (the race minimises), paired per replicate.
    ScoreFn score = [&](size_t i, const ObjectiveSample& s, const std::vector<ObjectiveSample>& ex) {
      ObjectiveSample o;
      o.point = (s.point - ex[0].point) / dcost[i];
      for (size_t r = 0; r < s.reps.size(); ++r) o.reps.push_back((s.reps[r] - ex[0].reps[r]) / dcost[i]);
      return o;
    };
    const RaceResult rr = race(ev, cands, {cur.set}, score, 1, total, opt);
    // Prefer the cheapest candidate that meets the target; else the best improvement per cost.
    int pick = -1;
    for (size_t j = 0; j < rr.alive.size(); ++j) {
      if (rr.objective[j].point > opt.target.bound || rr.objective[j].unstable) continue;
      if (pick < 0 || cost(cands[rr.alive[j]]) < cost(cands[rr.alive[static_cast<size_t>(pick)]]) ||
          (cost(cands[rr.alive[j]]) == cost(cands[rr.alive[static_cast<size_t>(pick)]]) &&
           rr.objective[j].point < rr.objective[static_cast<size_t>(pick)].point))
        pick = static_cast<int>(j);
    }
    if (pick < 0)
      for (size_t j = 0; j < rr.alive.size(); ++j)
        if (pick < 0 || rr.score[j].point < rr.score[static_cast<size_t>(pick)].point) pick = static_cast<int>(j);
    const size_t j = static_cast<size_t>(pick);
    if ((rr.objective[j].point > opt.target.bound || rr.objective[j].unstable) && rr.score[j].point >= 0) {
      if (opt.progress) opt.progress("stop: no group within the budget lowers the objective");
      break;
    }
    const size_t c = rr.alive[j];
    cur.added = added[c];
    cur.set = cands[c];
    cur.cost = cost(cur.set);
    cur.objective = interval_of(rr.objective[j], opt.confidence);
    cur.unstable = rr.objective[j].unstable;
    res.path.push_back(cur);
    if (opt.progress) {
      const auto g = static_cast<size_t>(cur.added);
      opt.progress("step " + std::to_string(res.path.size() - 1) + ": + " +
                   (g < opt.group_names.size() ? opt.group_names[g] : "group " + std::to_string(g)) + ": " +
                   describe(cur));
    }
  }
  return res;
}

SearchResult beam(Counter& ev, size_t n_groups, const std::function<double(const GroupSet&)>& cost,
                  const SearchOptions& opt, size_t total, SearchResult res) {
  struct Node {
    SearchStep step;
    GroupSet parent;
  };
  std::map<GroupSet, Node> nodes;
  Node root;
  root.step.cost = cost({});
  const ObjectiveSample root_sample = ev.evaluate({GroupSet{}}, total)[0];
  root.step.objective = interval_of(root_sample, opt.confidence);
  root.step.unstable = root_sample.unstable;
  nodes[{}] = root;
  if (opt.progress) opt.progress("start (base plan): " + describe(root.step));
  const GroupSet* best_feasible = nullptr;
  GroupSet best_any = {};
  auto better_feasible = [&](const SearchStep& a, const SearchStep& b) {
    return a.cost < b.cost || (a.cost == b.cost && a.objective.value < b.objective.value);
  };
  std::vector<GroupSet> beams = {GroupSet{}};
  if (root.step.meets(opt.target)) beams.clear(), best_feasible = &nodes.find(GroupSet{})->first;
  const size_t width = static_cast<size_t>(std::max(1, opt.width));
  for (size_t depth = 1; depth <= n_groups && !beams.empty(); ++depth) {
    std::vector<GroupSet> cands;
    std::map<GroupSet, std::pair<GroupSet, int>> origin;
    for (const auto& b : beams)
      for (int g = 0; g < static_cast<int>(n_groups); ++g) {
        if (std::count(b.begin(), b.end(), g)) continue;
        GroupSet s = with(b, g);
        if (origin.count(s)) continue;
        const double c = cost(s);
        if (c > opt.budget + kSlack) continue;
        // A set no cheaper than the best one meeting the target cannot replace it.
        if (best_feasible && c >= nodes[*best_feasible].step.cost) continue;
        origin[s] = {b, g};
        cands.push_back(s);
      }
    if (cands.empty()) break;
    res.candidates += static_cast<int>(cands.size());
    ScoreFn score = [](size_t, const ObjectiveSample& s, const std::vector<ObjectiveSample>&) { return s; };
    const RaceResult rr = race(ev, cands, {}, score, width, total, opt);
    std::vector<size_t> order(rr.alive.size());
    for (size_t j = 0; j < order.size(); ++j) order[j] = j;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return rr.objective[a].point < rr.objective[b].point; });
    beams.clear();
    for (size_t j : order) {
      const GroupSet& s = cands[rr.alive[j]];
      Node nd;
      nd.parent = origin[s].first;
      nd.step.added = origin[s].second;
      nd.step.set = s;
      nd.step.cost = cost(s);
      nd.step.objective = interval_of(rr.objective[j], opt.confidence);
      nd.step.unstable = rr.objective[j].unstable;
      const auto it = nodes.emplace(s, nd).first;
      if (nd.step.objective.value < nodes[best_any].step.objective.value) best_any = s;
      if (nd.step.meets(opt.target)) {
        if (!best_feasible || better_feasible(nd.step, nodes[*best_feasible].step)) best_feasible = &it->first;
      } else if (beams.size() < width) {
        beams.push_back(s);
      }
    }
    if (opt.progress) {
      char b[200];
      std::snprintf(b, sizeof b, "depth %zu: %zu candidates, best objective %.4f%s", depth, cands.size(),
                    rr.objective.empty() ? NAN : rr.objective[order[0]].point,
                    best_feasible ? (", cheapest meeting the target costs " +
                                     std::to_string(nodes[*best_feasible].step.cost)).c_str() : "");
      opt.progress(b);
    }
  }
  GroupSet s = best_feasible ? *best_feasible : best_any;
  std::vector<SearchStep> rev;
  for (;;) {
    const Node& nd = nodes.at(s);
    rev.push_back(nd.step);
    if (s.empty()) break;
    s = nd.parent;
  }
  res.path.assign(rev.rbegin(), rev.rend());
  return res;
}

}  // namespace

SearchResult run_search(Evaluator& ev, size_t n_groups, const std::function<double(const GroupSet&)>& cost,
                        const SearchOptions& opt) {
  const size_t total = ev.total_units();
  if (total == 0) fail("search", "the corpus has no units to score");
  Counter counter(ev);
  SearchResult res = opt.method == SearchOptions::Greedy ? greedy(counter, n_groups, cost, opt, total, {})
                                                         : beam(counter, n_groups, cost, opt, total, {});
  res.meets_target = res.final().meets(opt.target);
  res.unit_evaluations = counter.done();
  res.unit_evaluations_without_racing = static_cast<int64_t>(counter.distinct() * total);
  return res;
}

}  // namespace lq::experiments
