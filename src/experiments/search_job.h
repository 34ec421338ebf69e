// What `search` and `recommend` share: loading the model, corpus and units, choosing the
// objective's languages, building the tensor groups and the evaluator, running the search and
// checking the chosen plan as `eval --plan` would score it.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "eval/comparison.h"
#include "eval/units.h"
#include "experiments/pass_memo.h"
#include "experiments/search_model.h"
#include "experiments/search_output.h"

namespace lq::experiments {

struct SearchArgs {
  std::string model, corpus;
  std::vector<std::string> langs, lang_groups;  // --langs, --group NAME=a,b (group 'lr' is the objective's)
  std::string ref = "en", base = "int4", keep = "fp16";
  std::vector<std::string> families = {"layers", "components", "biases", "norms"};
  std::string target = "lr_disparity<=1.5", method = "greedy";
  double budget = 0.15;
  int width = 3;
  bool no_race = false;
  size_t race_start = 8;
  int replicates = 200;         // bootstrap replicates of the racing intervals
  int final_replicates = 1000;  // and of the final check (eval's default)
  uint64_t seed = 20260105;     // eval's default seed
  int64_t batch_tokens = 2048;
  bool quiet = false;
  // Resumable runs (pass_memo.h): the passes are kept beside this output while the run lasts
  // ("": not kept); resume continues a kept run. command names the run in messages.
  std::string progress_of, command = "search";
  bool resume = false;
};

struct SearchJob {
  std::unique_ptr<Model> model;
  std::unique_ptr<PassMemo> memo;  // before ev, which points at it: destroyed after it
  UnitSet units;
  std::vector<std::string> codes;
  ComparisonOptions co;   // as eval --plan would use for the final check
  Target target;
  EngineOptions eo;
  std::unique_ptr<ModelEvaluator> ev;
};

// Loads everything and builds the evaluator over `groups` (empty: a.families' groups).
SearchJob open_search(const SearchArgs& a, std::vector<TensorGroup> groups = {});

SearchOptions search_options(const SearchArgs& a, const Target& t);

}  // namespace lq::experiments
