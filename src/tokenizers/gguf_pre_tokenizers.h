// The pre-tokenizers llama.cpp applies to byte-level BPE vocabularies (tokenizer.ggml.model =
// "gpt2"), by the name tokenizer.ggml.pre gives, with the flags llama.cpp sets alongside.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace lq {

struct GgufPreTokenizer {
  // Applied in turn: each regex splits every piece the previous one left into its matches
  // and the text between them (llama.cpp's unicode_regex_split); the pieces are then mapped
  // to GPT-2's byte alphabet.
  std::vector<std::string> regexes;
  bool ignore_merges = false;  // a piece that is a whole token is taken as is
  bool clean_spaces = true;    // the detokenizer drops spaces before . , ! ? and some apostrophes
  bool add_bos = false;        // llama.cpp's default when the file has no add_bos_token
};

// nullopt for a name llama.cpp does not know or langquant does not implement; "" is llama.cpp's
// fallback for files without tokenizer.ggml.pre, "default".
std::optional<GgufPreTokenizer> gguf_pre_tokenizer(const std::string& name);
// The names gguf_pre_tokenizer accepts, comma-separated, for error messages.
std::string gguf_pre_tokenizer_names();

}  // namespace lq
