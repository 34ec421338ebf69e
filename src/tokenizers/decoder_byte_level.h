// tokenizers' ByteLevel decoder: maps every token's characters back to bytes (a token with
// any character outside the byte-level alphabet contributes its own UTF-8 instead), joins
// them and turns the bytes into text, invalid UTF-8 becoming U+FFFD.
#pragma once
#include "tokenizers/pipeline.h"

namespace lq::tok {

class ByteLevelDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override;
  std::string token_bytes(std::string_view token) const override;
};

}  // namespace lq::tok
