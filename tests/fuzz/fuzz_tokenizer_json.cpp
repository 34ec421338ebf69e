// tokenizer.json loading, then encoding and decoding: the input is a tokenizer.json (normalizers,
// pre-tokenizers with their regexes, BPE/WordPiece/Unigram models, added tokens, post-processors,
// decoders). Whatever loads must encode a few texts in several scripts (with invalid UTF-8),
// decode its own ids, and name every token it produced (ids non-negative; the model's
// embedding lookup checks the upper bound).
#include "fuzz_util.h"
#include "tokenizers/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = (lq::fuzz::scratch_dir() / "tokenizer.json").string();
  static const char* const texts[] = {
      "Hello world! It's 2024, isn't it?  Spaces\tand\nlines.",
      "Der Bär läuft — schnell. Ça va? ¿Qué tal? Привет, мир. Γειά σου.",
      "你好，世界。日本語のテキスト。한국어 문장. مرحبا بالعالم. שלום. नमस्ते दुनिया।",
      "emoji 😀👍🏽 and invalid \xff\xfe bytes \xe2\x82 cut",
      "",
  };
  lq::fuzz::write_bytes(path, data, size);
  lq::fuzz::only_lq_errors([&] {
    const auto tokenizer = lq::load_tokenizer(path);
    (void)tokenizer->vocab_size();  // counts entries, as tokenizers does: ids may lie above it (gaps)
    for (const char* text : texts) {
      for (bool special : {false, true}) {
        const std::vector<int32_t> ids = tokenizer->encode(text, special);
        for (int32_t id : ids) {
          if (id < 0) lq::fuzz::finding("a negative id", text);
          (void)tokenizer->token_text(id);
          (void)tokenizer->token_bytes(id);
        }
        (void)tokenizer->decode(ids, false);
        (void)tokenizer->decode(ids, true);
      }
    }
    (void)tokenizer->token_to_id("a");
  });
  return 0;
}
