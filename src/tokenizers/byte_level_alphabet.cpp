#include "tokenizers/byte_level_alphabet.h"

#include <array>

#include "tokenizers/unicode.h"

namespace lq::tok {
namespace {

struct Alphabet {
  std::array<char32_t, 256> code_point{};
  std::array<std::string, 256> utf8;
  std::array<int16_t, 324> byte_of{};  // indexed by code point; -1 when not in the alphabet

  Alphabet() {
    byte_of.fill(-1);
    auto printable = [](int b) {
      return (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    };
    char32_t next_free = 256;
    for (int b = 0; b < 256; ++b) {
      code_point[b] = printable(b) ? static_cast<char32_t>(b) : next_free++;
      utf8[b] = encode_utf8(code_point[b]);
      byte_of[code_point[b]] = static_cast<int16_t>(b);
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet table;
  return table;
}

}  // namespace

char32_t byte_to_code_point(uint8_t b) { return alphabet().code_point[b]; }

std::string_view byte_to_utf8(uint8_t b) { return alphabet().utf8[b]; }

std::optional<uint8_t> code_point_to_byte(char32_t cp) {
  const auto& table = alphabet();
  if (cp >= table.byte_of.size() || table.byte_of[cp] < 0) return std::nullopt;
  return static_cast<uint8_t>(table.byte_of[cp]);
}

void append_byte_level(std::string_view text, std::string& out) {
  const auto& table = alphabet();
  for (const char c : text) out += table.utf8[static_cast<uint8_t>(c)];
}

std::optional<std::string> bytes_from_byte_level(std::string_view text) {
  std::string bytes;
  bytes.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto b = code_point_to_byte(decode_utf8(text, i));
    if (!b) return std::nullopt;
    bytes += static_cast<char>(*b);
  }
  return bytes;
}

}  // namespace lq::tok
