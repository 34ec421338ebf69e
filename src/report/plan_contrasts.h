// Paired contrasts between plans of one result file (issue 15 item 1): every plan against the
// base-only plan, and the synergy of a protected set against its parts (research brief §3,
// Exp-031/038 inside a layer, Exp-032..036 pairs and triples of layers). Replicate r of every
// plan of a file is the same resample of units, so each contrast's interval is the percentile
// interval of the contrast taken replicate by replicate (eval/paired.h). Plans of another file
// resampled other units: they are left out, and the notes say so.
#pragma once
#include <string>
#include <vector>

#include "report/chart_data.h"

namespace lq::report {

struct Contrast {
  std::string plan;
  Value objective;    // the plan's own value and interval, as its group row gives it
  Value improvement;  // objective(base) - objective(plan), paired: > 0 the plan is fairer than the base
  // "better" / "worse" when the interval excludes 0, else "no clear difference".
  std::string verdict() const;
};

// criticality(whole) - sum over parts of criticality(part), where criticality(x) =
// objective(base) - objective(x). Above 0 the parts protect more together than apart; below 0
// they overlap (protecting one makes the other matter less); 0 when effects add up.
struct Synergy {
  std::string whole;
  std::vector<std::string> parts;
  Value synergy;
};

// A contrast the user asked for (report --contrast A,B): objective(B) - objective(A), paired,
// so > 0 means A is the fairer plan.
struct PairContrast {
  std::string a, b;
  Objective objective = Objective::lr_disparity;
  Value a_value, b_value, advantage;
  Value ratio;  // objective(B) / objective(A), paired; unstable when A's interval holds 0
  std::string verdict() const;  // "A fairer" / "B fairer" when the interval excludes 0
};

struct PlanContrasts {
  std::string base_plan, source;  // empty base_plan: nothing to contrast (see notes)
  Objective objective = Objective::lr_disparity;
  std::string why;
  std::vector<Contrast> contrasts;  // input order
  std::vector<Synergy> synergies;
  std::vector<PairContrast> pairs;  // as asked, in order
  std::vector<std::string> notes;
};

// The base is the plan tagged {"axis":"base"}, else the plan named "none" (the sweep preset),
// else the base of the per-layer criticality (`layer_base`, "" when there is none).
// Synergies are found from the sweep runner's tags: a plan protecting layers {a, b, ...} of one
// component against the one-layer plans of the same component, and a whole layer (no
// component) against that layer's plans of two or more components.
// pairs: (A, B) plans to contrast directly; a pair whose plans are missing, of two files or
// without replicates is left out with a note.
PlanContrasts plan_contrasts(const Dataset& d, const std::string& group, const std::string& layer_base,
                             const std::vector<std::pair<std::string, std::string>>& pairs = {});

}  // namespace lq::report
