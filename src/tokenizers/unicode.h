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

// The classes below mirror the Rust crates tokenizers uses, including their Unicode versions
// (found by probing every code point against tokenizers 0.20.3): a character added or
// recategorised later must be classified as the crate does, or ids change.

// BertPreTokenizer / Punctuation: ASCII punctuation or general category P* as of Unicode 8.0
// (the unicode_categories crate).
bool is_bert_punctuation(char32_t cp);
// BertNormalizer clean_text removes these: NUL, U+FFFD and Cc/Cf/Co/Cs as of Unicode 8.0,
// except tab, newline and carriage return (which become spaces).
bool is_bert_removed_control(char32_t cp);
// BertNormalizer strip_accents removes these after NFD: Mn as of Unicode 8.0.
bool is_bert_nonspacing_mark(char32_t cp);
// StripAccents removes these: general category M as of Unicode 9.0
// (unicode-normalization-alignments' is_combining_mark).
bool is_combining_mark(char32_t cp);
// Rust's char::is_numeric: general category Nd, Nl or No.
bool is_numeric(char32_t cp);
// Appends Rust's char::to_lowercase(cp): the full, context-free lowercase mapping (so "İ"
// gives two code points and a final sigma stays "σ").
void append_lowercase(char32_t cp, std::string& out);

}  // namespace lq::tok
