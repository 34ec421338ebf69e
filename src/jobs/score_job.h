// Job `score`: the log-probability of every token of a text file, each line scored on its own
// (BOS prepended when the model has one; masked LMs by pseudo-log-likelihood, eval/units.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "jobs/job_progress.h"

namespace lq::jobs {

struct ScoreSpec {
  std::string model, file;
  int64_t batch_tokens = 2048;  // rows per forward pass
};

struct TokenLogprob {
  int line = 0;      // 0-based input line
  int64_t pos = 0;   // index of the token in that line's token sequence
  int32_t id = 0;    // token id
  std::string token; // its vocabulary string
  double logprob = 0;  // natural log
};

// One JSON object per token, one per line (JSON Lines): {"id","line","logprob","pos","token"}.
// JSON Lines has no header, so this format carries no schema_version; its five keys are its
// whole schema, and the reader refuses a line missing any of them.
struct ScoreResult {
  std::vector<TokenLogprob> tokens;

  std::string to_jsonl() const;
  static ScoreResult from_jsonl(const std::string& text, const std::string& path);
};

ScoreResult run_score(const ScoreSpec& spec, const JobProgress& progress = {});

}  // namespace lq::jobs
