// Words in a text as ICU's word break rules (UAX #29, with dictionaries for scripts written
// without spaces: Chinese, Japanese, Thai, Khmer, ...) find them: segments whose rule status is
// a number, letter, kana or ideograph word; spaces and punctuation are not words. This is the
// "word" of token fertility (tokens per word), comparable across scripts, unlike splitting on
// whitespace, which makes a whole Chinese or Thai sentence one word.
#pragma once
#include <cstdint>
#include <string_view>

namespace lq::analysis {

// UTF-8 text (valid, as corpora are checked on load).
int64_t count_words(std::string_view utf8);

}  // namespace lq::analysis
