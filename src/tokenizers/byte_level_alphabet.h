// GPT-2's reversible map between the 256 byte values and 256 printable code points
// (openai/gpt-2 encoder.py bytes_to_unicode): printable Latin-1 bytes map to themselves, the
// other 68 (controls, space, 0x7F-0xA0, 0xAD) to U+0100.. in byte order. Byte-level BPE
// vocabularies are written in this alphabet, so a space appears as "Ġ" (U+0120).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lq::tok {

// The code point byte b is written as.
char32_t byte_to_code_point(uint8_t b);
// The UTF-8 encoding of that code point (1 or 2 bytes), precomputed for speed.
std::string_view byte_to_utf8(uint8_t b);
// The byte a code point stands for, or nullopt when it is not in the alphabet.
std::optional<uint8_t> code_point_to_byte(char32_t cp);

// Appends text, byte by byte, rewritten in the alphabet.
void append_byte_level(std::string_view text, std::string& out);
// The bytes a byte-level string stands for; nullopt when it holds any character outside the
// alphabet (e.g. an added token such as "<|endoftext|>" does not: its characters are all
// printable ASCII, which map to themselves).
std::optional<std::string> bytes_from_byte_level(std::string_view text);

}  // namespace lq::tok
