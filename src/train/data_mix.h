// A training data mix: languages, their text files and sampling weights (MIX.toml), the
// token stream of each language, and batches drawn from them.
//
// MIX.toml:
//   [[source]]
//   lang = "en"
//   files = ["corpora/en.txt"]   # relative to the MIX file's folder
//   weight = 70                  # relative; normalised over all sources
//
// Each language's files are read line by line (one document or sentence per line, blank
// lines skipped); every line is tokenized alone and followed by the separator (the
// tokenizer's <|endoftext|> when it has one), so that the stream is the lines packed end to end.
// A training sequence is a window of ctx consecutive tokens of one language's stream: the
// language drawn by weight, the window start uniform. Batches depend only on (seed, step), so a
// resumed run draws exactly the batches the uninterrupted run would have.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tokenizers/tokenizer.h"

namespace lq::train {

struct MixSource {
  std::string lang;
  std::vector<std::string> files;  // resolved paths
  double weight = 0;               // normalised: the weights sum to 1
};

// Throws lq::Error naming the MIX file for a malformed mix, missing files, bad weights or a
// language listed twice.
std::vector<MixSource> read_mix(const std::string& path);

// The non-blank lines of a source's files, in order (invalid UTF-8 is an error naming file and line).
std::vector<std::string> read_lines(const MixSource& s);

struct LanguageStream {
  std::string lang;
  double weight = 0;
  std::vector<int32_t> tokens;
  int64_t lines = 0, bytes = 0;
};

// separator: appended after every line; when absent "\n" is appended to the text instead.
LanguageStream tokenize_source(const MixSource& s, const Tokenizer& tok, std::optional<int32_t> separator);

struct TrainBatch {
  std::vector<std::vector<int32_t>> seqs;
  std::vector<int> lang;  // index into the streams, per sequence
};

TrainBatch sample_batch(const std::vector<LanguageStream>& streams, int64_t batch, int64_t ctx, uint64_t seed,
                        int64_t step);

// Texts to train a tokenizer on: about total_bytes of lines, each language's share by weight
// (at least one line each), lines drawn at random with the seed.
std::vector<std::string> tokenizer_sample(const std::vector<MixSource>& mix, int64_t total_bytes, uint64_t seed);

// splitmix64: the random numbers of the mix (fixed here, not left to the standard library).
uint64_t mix_random(uint64_t& state);

}  // namespace lq::train
