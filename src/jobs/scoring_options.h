// The scoring options that eval, sweep, search and recommend share, declared once: how units
// are cut (mode, context, BOS), which languages and groups, the reference language and the
// bootstrap. Each front end fills one of these (the CLI: apps/cli/scoring_flags.cpp) and every
// job reads its options from here, so one flag means the same thing in every command.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "eval/bootstrap.h"
#include "eval/corpus.h"
#include "eval/units.h"

namespace lq::jobs {

struct ScoringOptions {
  std::string mode = "sentence";        // sentence or stream (eval/units.h)
  int64_t ctx = 0;                      // 0: the model's context (1024 at most in stream mode)
  bool bos = true;                      // prepend BOS in sentence mode when the model has one
  int bootstrap = 1000;                 // replicates of every interval
  uint64_t seed = 20260105;             // bootstrap seed
  std::vector<std::string> langs;       // empty: every language of the corpus
  std::vector<std::string> groups;      // NAME=lang,lang specs
  std::string ref = "en";               // reference language of disparity ratios

  UnitOptions unit_options() const;     // fails on a mode other than sentence/stream
  BootstrapOptions bootstrap_options() const;
  std::map<std::string, std::vector<std::string>> parsed_groups() const;
};

// Fails naming `corpus_path` when a group names a language the corpus does not have.
void check_groups_in_corpus(const std::map<std::string, std::vector<std::string>>& groups, const Corpus& corpus,
                            const std::string& corpus_path);

}  // namespace lq::jobs
