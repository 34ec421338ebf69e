#include "tokenizers/decoder_byte_level.h"

#include "core/utf8.h"
#include "tokenizers/byte_level_alphabet.h"

namespace lq::tok {

void ByteLevelDecoder::decode_chain(std::vector<std::string>& tokens) const {
  std::string bytes;
  for (const std::string& token : tokens) bytes += token_bytes(token);
  tokens.assign(1, utf8_replace_invalid(bytes));
}

std::string ByteLevelDecoder::token_bytes(std::string_view token) const {
  if (auto bytes = bytes_from_byte_level(token)) return std::move(*bytes);
  return std::string(token);
}

}  // namespace lq::tok
