#include "jobs/scoring_options.h"

#include "core/error.h"

namespace lq::jobs {

UnitOptions ScoringOptions::unit_options() const {
  if (mode != "sentence" && mode != "stream") fail("--mode " + mode, "expected sentence or stream");
  UnitOptions uo;
  uo.mode = mode == "stream" ? ScoreMode::Stream : ScoreMode::Sentence;
  uo.n_ctx = ctx;
  uo.add_bos = bos;
  return uo;
}

BootstrapOptions ScoringOptions::bootstrap_options() const {
  BootstrapOptions bo;
  bo.replicates = bootstrap;
  bo.seed = seed;
  return bo;
}

std::map<std::string, std::vector<std::string>> ScoringOptions::parsed_groups() const { return parse_groups(groups); }

void check_groups_in_corpus(const std::map<std::string, std::vector<std::string>>& groups, const Corpus& corpus,
                            const std::string& corpus_path) {
  for (const auto& [name, members] : groups)
    for (const auto& m : members) {
      bool found = false;
      for (const auto& l : corpus.languages) found |= l.code == m;
      if (!found)
        fail(corpus_path, "group '" + name + "' names language '" + m + "' that the corpus does not have");
    }
}

}  // namespace lq::jobs
