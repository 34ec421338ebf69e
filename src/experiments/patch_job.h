// `langquant patch` as one library call: load the model, corpus and plan, run every restore
// and inject patch over the first sentences of each language, and summarise with a paired
// bootstrap (experiments/patching.h). The CLI only fills a PatchSpec and prints.
#pragma once
#include <string>
#include <vector>

#include "experiments/patching_output.h"

namespace lq {

struct PatchSpec {
  std::string model, corpus, plan;
  std::string base = "int4", keep = "fp16";  // for presets
  std::vector<std::string> langs;             // empty: every language of the corpus
  int sentences = 100;                        // first N per language; 0: all
  std::vector<int> layers;                    // default sweep: these blocks (empty: all)
  std::vector<std::string> kinds;             // default sweep: resid, attn, mlp, block (empty: all)
  std::vector<std::string> patches;           // explicit patches; given: no default sweep
  std::string direction = "both";             // restore, inject or both
  int64_t batch_tokens = 2048;
  BootstrapOptions bootstrap;
  bool quiet = false;
};

PatchReport run_patch_job(const PatchSpec& spec);

}  // namespace lq
