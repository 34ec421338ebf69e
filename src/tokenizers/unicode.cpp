#include "tokenizers/unicode.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>

namespace lq::tok {

char32_t decode_utf8(std::string_view text, size_t& i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  size_t len = b0 < 0x80 ? 1 : b0 < 0xe0 ? 2 : b0 < 0xf0 ? 3 : 4;
  if (i + len > text.size()) len = text.size() - i;
  char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1f) : len == 3 ? (b0 & 0x0f) : (b0 & 0x07);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
  i += len;
  return cp;
}

std::string encode_utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
  return out;
}

bool is_white_space(char32_t cp) {
  switch (cp) {
    case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x20: case 0x85: case 0xa0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202f: case 0x205f: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200a;
  }
}

bool is_word_char(char32_t cp) {
  const auto c = static_cast<UChar32>(cp);
  if (u_hasBinaryProperty(c, UCHAR_ALPHABETIC) || u_hasBinaryProperty(c, UCHAR_JOIN_CONTROL)) {
    return true;
  }
  const auto mask = U_GET_GC_MASK(c);
  return (mask & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) != 0;
}

namespace {

// Whether cp was assigned by Unicode major.minor (ICU knows every character's age).
bool assigned_by(char32_t cp, uint8_t major, uint8_t minor) {
  UVersionInfo age;
  u_charAge(static_cast<UChar32>(cp), age);
  return age[0] < major || (age[0] == major && age[1] <= minor);
}

}  // namespace

bool is_bert_punctuation(char32_t cp) {
  if (cp < 0x80) return (cp >= 0x21 && cp <= 0x2f) || (cp >= 0x3a && cp <= 0x40) ||
                        (cp >= 0x5b && cp <= 0x60) || (cp >= 0x7b && cp <= 0x7e);
  if (cp == 0x166d || cp == 0x111c9) return true;  // Po in Unicode 8, recategorised since
  return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_P_MASK) != 0 && assigned_by(cp, 8, 0);
}

bool is_bert_removed_control(char32_t cp) {
  if (cp == 0 || cp == 0xfffd) return true;
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  if (cp < 0x80) return cp < 0x20 || cp == 0x7f;
  const auto mask = U_GET_GC_MASK(static_cast<UChar32>(cp));
  return (mask & (U_GC_CC_MASK | U_GC_CF_MASK | U_GC_CO_MASK | U_GC_CS_MASK)) != 0 && assigned_by(cp, 8, 0);
}

bool is_bert_nonspacing_mark(char32_t cp) {
  if (cp < 0x300) return false;
  if (cp == 0x1734) return true;  // Mn in Unicode 8, Mc since 14
  if (cp == 0x1885 || cp == 0x1886 || cp == 0xa9bd || cp == 0x111c9) return false;  // not Mn in 8
  return u_charType(static_cast<UChar32>(cp)) == U_NON_SPACING_MARK && assigned_by(cp, 8, 0);
}

bool is_combining_mark(char32_t cp) {
  if (cp < 0x300) return false;
  if (cp == 0x1cf2 || cp == 0x1cf3) return true;  // Mc in Unicode 9, Lo since
  if (cp == 0x111c9) return false;                // Po in Unicode 9
  return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_M_MASK) != 0 && assigned_by(cp, 9, 0);
}

bool is_numeric(char32_t cp) {
  if (cp < 0x80) return cp >= '0' && cp <= '9';
  return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_N_MASK) != 0;
}

void append_lowercase(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    return;
  }
  // One code point on its own: ICU's full mapping then has no context, like Rust's.
  UChar in[2], lower[8];
  int32_t in_len = 0;
  U16_APPEND_UNSAFE(in, in_len, static_cast<UChar32>(cp));
  UErrorCode status = U_ZERO_ERROR;
  const int32_t n = u_strToLower(lower, 8, in, in_len, "", &status);
  if (U_FAILURE(status)) {
    out += encode_utf8(cp);
    return;
  }
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U16_NEXT_UNSAFE(lower, i, c);
    out += encode_utf8(static_cast<char32_t>(c));
  }
}

}  // namespace lq::tok
