#include "analysis/fertility.h"

#include "analysis/word_count.h"
#include "core/utf8.h"

namespace lq::analysis {

std::vector<LanguageFertility> token_fertility(const Corpus& corpus, const Tokenizer& tok, const std::string& ref) {
  std::vector<LanguageFertility> out;
  bool parallel = !corpus.languages.empty();
  for (const auto& l : corpus.languages) {
    LanguageFertility f;
    f.lang = l.code;
    f.sentences = static_cast<int64_t>(l.sentences.size());
    for (const auto& s : l.sentences) {
      f.tokens += static_cast<int64_t>(tok.encode(s).size());
      f.words += count_words(s);
      f.chars += static_cast<int64_t>(utf8_count_chars(s));
      f.bytes += static_cast<int64_t>(s.size());
    }
    f.tokens_per_word = f.words ? static_cast<double>(f.tokens) / static_cast<double>(f.words) : 0;
    f.tokens_per_char = f.chars ? static_cast<double>(f.tokens) / static_cast<double>(f.chars) : 0;
    f.bytes_per_token = f.tokens ? static_cast<double>(f.bytes) / static_cast<double>(f.tokens) : 0;
    parallel &= f.sentences == static_cast<int64_t>(corpus.languages.front().sentences.size());
    out.push_back(std::move(f));
  }
  const LanguageFertility* base = nullptr;
  for (const auto& f : out)
    if (f.lang == ref) base = &f;
  if (parallel && base && base->tokens > 0)
    for (auto& f : out)
      if (&f != base) f.premium = static_cast<double>(f.tokens) / static_cast<double>(base->tokens);
  return out;
}

}  // namespace lq::analysis
