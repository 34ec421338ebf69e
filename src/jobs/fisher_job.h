// Job `fisher`: per-language diagonal Fisher information of a GPT-2's weights (train/fisher.h),
// written as a .safetensors file of importance tensors plus a JSON summary.
//
// Resumable by language: each finished language's Fisher (its F32 tensors, bit for bit) is
// committed to a progress file beside --out (experiments/pass_memo.h); a run stopped at any
// moment loses at most the language in flight and, run again with resume, writes byte-identical
// files. The file records the model's identity and the corpus and refuses another; it is removed
// once both outputs are written.
#pragma once
#include <string>
#include <vector>

#include "jobs/job_progress.h"
#include "train/fisher.h"

namespace lq::jobs {

struct FisherSpec {
  std::string model, corpus;
  std::vector<std::string> langs;   // empty: every language of the corpus
  std::vector<std::string> groups;  // NAME=a,b,c
  int64_t max_sentences = 256;      // per language (0: all)
  std::string out;                  // .safetensors
  std::string json;                 // summary ("" = OUT with .json)
  bool resume = false;
};

struct FisherJobResult {
  train::FisherResult fisher;
  std::string safetensors, json;
  std::string to_text() const;  // per language: sequences and tokens, then the files written
};

FisherJobResult run_fisher(const FisherSpec& spec, const JobProgress& progress = {});

}  // namespace lq::jobs
