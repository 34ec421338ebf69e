// Encoding arbitrary bytes with a real tokenizer (LQ_FUZZ_TOKENIZER: GPT-2's, the default
// model's). Both are byte-level BPE without a normalizer, so beyond not crashing the ids must
// give the text back: decode(encode(x)) and the concatenated bytes of the tokens both equal x
// after invalid UTF-8 is replaced the way Python's errors="replace" does.
#include "core/utf8.h"
#include "fuzz_util.h"
#include "tokenizers/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto tokenizer = lq::load_tokenizer(LQ_FUZZ_TOKENIZER);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  lq::fuzz::only_lq_errors([&] {
    const std::string expected = lq::utf8_replace_invalid(text);
    for (bool special : {false, true}) {
      const std::vector<int32_t> ids = tokenizer->encode(text, special);
      std::string pieces;
      for (int32_t id : ids) {
        const std::string bytes = tokenizer->token_bytes(id);
        pieces += bytes.empty() ? tokenizer->token_text(id) : bytes;  // special tokens: their text
      }
      if (pieces != expected) lq::fuzz::finding("token bytes do not spell the text", LQ_FUZZ_TOKENIZER);
      if (tokenizer->decode(ids, false) != expected) lq::fuzz::finding("decode(encode(x)) != x", LQ_FUZZ_TOKENIZER);
    }
  });
  return 0;
}
