// What llama.cpp makes of each token's tokenizer.ggml.token_type, including its fix-ups by
// token text (an "<|im_end|>" or "<end_of_turn>" stored as a normal token is treated as a
// control token, and so on), because those decide which strings are cut out of the text and
// which tokens decode to nothing.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lq {

// llama.cpp's llama_token_attr bits that matter here.
enum GgufTokenAttr : uint32_t {
  kGgufUndefined = 0,
  kGgufUnknown = 1u << 0,
  kGgufUnused = 1u << 1,
  kGgufNormal = 1u << 2,
  kGgufControl = 1u << 3,
  kGgufUserDefined = 1u << 4,
  kGgufByte = 1u << 5,
};

// token_types may be empty (every token normal). Types outside 1..6 are undefined.
std::vector<uint32_t> gguf_token_attrs(const std::vector<std::string>& tokens, const std::vector<int32_t>& token_types);

// Cut out of the text before tokenizing (llama.cpp's special-token cache with parse_special).
inline bool gguf_is_cut_out(uint32_t attr) { return attr & (kGgufControl | kGgufUserDefined | kGgufUnknown); }
// Decoded to nothing unless special tokens are asked for.
inline bool gguf_is_special(uint32_t attr) { return attr & (kGgufControl | kGgufUnknown); }

}  // namespace lq
