// Small UTF-8 helpers shared by tokenizers and metrics.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace lq {

// Number of code points, counting each byte that does not start a valid sequence as one.
size_t utf8_count_chars(std::string_view s);
// Offset of the first invalid byte, or npos when the whole string is valid UTF-8.
size_t utf8_first_invalid(std::string_view s);
// s with every ill-formed subsequence replaced by U+FFFD, by the rule of Python's
// bytes.decode("utf-8", errors="replace") and Rust's String::from_utf8_lossy: each maximal
// subpart (the longest prefix of a well-formed sequence) becomes one U+FFFD.
std::string utf8_replace_invalid(std::string_view s);

}  // namespace lq
