// Code-point helpers and the character classes the reference implementation takes from its
// regex engines, so that langquant classifies every character exactly as tokenizers does.
#pragma once
#include <string>
#include <string_view>

namespace lq::tok {

// The code point at text[i] (text must be valid UTF-8); advances i past it.
char32_t decode_utf8(std::string_view text, size_t& i);
std::string encode_utf8(char32_t cp);

// Unicode White_Space: what `\s` matches both in Oniguruma (tokenizers' pre-tokenizer
// regexes) and in Rust's regex crate (added-token lstrip/rstrip). PCRE2 10.42's `\s` differs
// (it lacks U+0085), which is why the GPT-2 pattern spells this class out.
bool is_white_space(char32_t cp);
// Rust regex's Unicode `\w` (UTS #18 Annex C): Alphabetic, marks, decimal digits, connector
// punctuation and joiners. Decides whether an added token with single_word touches a word.
bool is_word_char(char32_t cp);

}  // namespace lq::tok
