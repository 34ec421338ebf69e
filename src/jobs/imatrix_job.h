// Job `imatrix`: llama.cpp's importance matrix (quant/imatrix.h) per language of a corpus, each
// written in llama-imatrix's GGUF format, and optionally one weighted mix of them.
//
// Resumable: after every batch the running sums (doubles, exactly) are committed to a progress
// file beside --out (experiments/pass_memo.h), so a run killed at any moment and started again
// with resume loses at most the batch in flight and writes byte-identical files. Finished
// languages are kept there too, so the mix is made from the exact sums, not the files' floats.
// The progress file records the model's identity, the corpus hash and every option that changes
// a number, refuses another, and is removed once every output is written.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/imatrix_collect.h"
#include "jobs/job_progress.h"

namespace lq::jobs {

struct ImatrixSpec {
  std::string model, corpus, out;
  std::vector<std::string> langs;  // empty: every language of the corpus
  std::string mix;                 // "" (none), "balanced", or "en=0.5,ar=0.1"
  int sentences = 0;               // first N sentences per language (0: all)
  analysis::ImatrixOptions options;
  bool resume = false;
};

struct ImatrixLanguage {
  std::string lang, path;
  int64_t chunks = 0, matrices = 0;
};

struct ImatrixResult {
  static constexpr int kSchemaVersion = 1;
  std::vector<ImatrixLanguage> languages;
  int64_t chunk_tokens = 0;
  std::string mix, mix_path;  // empty without --mix

  nlohmann::json to_json() const;
  std::string to_text() const;  // what `langquant imatrix` prints
};

ImatrixResult run_imatrix(const ImatrixSpec& spec, const JobProgress& progress = {});

}  // namespace lq::jobs
