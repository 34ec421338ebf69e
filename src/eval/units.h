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
//
// Masked language models (HParams::masked_lm, e.g. BERT) are scored by pseudo-log-likelihood
// (Salazar et al. 2020), sentence mode only: a unit is still one sentence, ids = the tokenizer's
// template around it ([CLS] tokens [SEP]), and rows [first_scored, scored_end) are its real
// tokens. The engine scores row p of such a unit from a copy of ids with ids[p] replaced by the
// mask token (UnitSet::mask_id), all copies of the sentence packed as segments of one batch, so
// a TokenResult still means "position p of unit u, target ids[p]" and every per-sentence total
// (bytes, bootstrap over sentences) is unchanged.
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
  int64_t scored_end = -1;  // rows scored end here; -1: ids.size()
  int64_t text_offset = 0;  // ids[text_offset] is the first token of the text (after BOS)
  int64_t bytes = 0, chars = 0;  // of the scored text
};

struct UnitSet {
  std::vector<Unit> units;
  int64_t n_ctx = 0;
  int64_t truncated = 0;
  bool bos = false;
  int32_t mask_id = -1;  // >= 0: masked LM units, scored by pseudo-log-likelihood with this token

  int64_t scored_end(const Unit& u) const {
    return u.scored_end >= 0 ? u.scored_end : static_cast<int64_t>(u.ids.size());
  }
  // Rows a unit takes in a batch: its ids, once per scored token for a masked LM.
  int64_t rows_of(const Unit& u) const {
    const auto n = static_cast<int64_t>(u.ids.size());
    return mask_id >= 0 ? n * (scored_end(u) - u.first_scored) : n;
  }
};

// The mask token of a masked LM's tokenizer ("[MASK]" or "<mask>"); throws when it has none.
int32_t mask_token_id(const Tokenizer& tok);
// A masked-LM sentence unit: ids = tok.encode(text, add_special_tokens=true) cut to n_ctx (the
// sentence's tokens are cut, the template's special tokens kept); scored rows = the sentence's
// tokens; text_offset = first of them; bytes and chars of the scored text. truncated is set
// when the sentence had to be cut.
Unit make_masked_unit(const std::string& text, const Tokenizer& tok, int64_t n_ctx, bool* truncated);

UnitSet make_units(const Corpus& corpus, const Tokenizer& tok, const HParams& hp, const UnitOptions& opt);
std::string mode_name(ScoreMode m);

}  // namespace lq
