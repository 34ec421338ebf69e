// Token fertility per language (issue 15, item 5; the seeds' Exp-047/059): how many tokens a
// tokenizer spends on a language's text, per word, per character and per byte, and, on a
// parallel corpus, relative to a reference language on the same sentences (the "tokenization
// premium": tokens(l) / tokens(ref), same content). These series go into `langquant correlate`
// against disparity (fertility.json:languages.tokens_per_word ...).
//
// Counts: tokens as the tokenizer encodes each sentence alone without special tokens; UTF-8
// bytes; Unicode code points; words by ICU word boundaries (word_count.h).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eval/corpus.h"
#include "tokenizers/tokenizer.h"

namespace lq::analysis {

struct LanguageFertility {
  std::string lang;
  int64_t sentences = 0, tokens = 0, words = 0, chars = 0, bytes = 0;
  double tokens_per_word = 0, tokens_per_char = 0, bytes_per_token = 0;
  // tokens / the reference's tokens over the same sentences; only on a parallel corpus (every
  // language the same number of sentences), and not for the reference itself (it is 1).
  std::optional<double> premium;
};

// ref: the reference language's code ("" or absent from the corpus: no premium).
std::vector<LanguageFertility> token_fertility(const Corpus& corpus, const Tokenizer& tok, const std::string& ref);

}  // namespace lq::analysis
