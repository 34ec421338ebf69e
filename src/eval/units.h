// What gets scored. A unit is one sequence fed to the model: a whole sentence (sentence mode)
// or one window of a language's token stream (stream mode). Rows [first_scored, ids.size())
// of a unit are scored: each is predicted from the rows before it.
//
//  sentence mode: ids = [BOS] + tokens(sentence) when the model has a BOS token, and every
//    sentence token is scored; without BOS the first token has no context and is not scored.
//    Sentences longer than the context are cut to n_ctx (counted in `truncated`).
//  stream mode: the language's sentences joined by "\n" are tokenized once and cut into
//    consecutive windows of n_ctx tokens; only the second half of each window is scored, so
//    every scored token has at least n_ctx/2 tokens of context (as llama.cpp's perplexity).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "eval/corpus.h"
#include "model/hparams.h"
#include "tokenizers/tokenizer.h"

namespace lq {

enum class ScoreMode { Sentence, Stream };

struct UnitOptions {
  ScoreMode mode = ScoreMode::Sentence;
  int64_t n_ctx = 0;  // 0: the model's context (capped at 1024 in stream mode)
  bool add_bos = true;
};

struct Unit {
  int lang = 0;   // index into Corpus::languages
  int index = 0;  // sentence number (sentence mode) or window number (stream mode)
  std::vector<int32_t> ids;
  int64_t first_scored = 1;
  int64_t text_offset = 0;  // ids[text_offset] is the first token of the text (after BOS)
  int64_t bytes = 0, chars = 0;  // of the scored text
};

struct UnitSet {
  std::vector<Unit> units;
  int64_t n_ctx = 0;
  int64_t truncated = 0;
  bool bos = false;
};

UnitSet make_units(const Corpus& corpus, const Tokenizer& tok, const HParams& hp, const UnitOptions& opt);
std::string mode_name(ScoreMode m);

}  // namespace lq
