// Regexes as llama.cpp's llm_tokenizer_bpe lists them (src/llama-vocab.cpp). llama.cpp runs the
// GPT-2 and Llama-3 patterns with hand-written matchers and the others with std::regex over
// one byte per code point; all are plain backtracking regexes, so PCRE2 (with Oniguruma's
// `\s`, see regex.h) splits text the same way wherever the Unicode tables agree.
#include "tokenizers/gguf_pre_tokenizers.h"

#include <map>

namespace lq {
namespace {

const char* const kGpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const char* const kLlama3 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const char* const kQwen2 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

struct Family {
  std::vector<const char*> names;
  GgufPreTokenizer pre;
};

const std::vector<Family>& families() {
  static const std::vector<Family> kFamilies = {
      // llama.cpp's fallback: punctuation runs, then GPT-2, then digit runs cut into threes.
      {{"default", ""},
       {{"[\\p{P}\\$\\+<=>\\^~\\|]+", kGpt2, "\\p{N}+", "[0-9][0-9][0-9]"}, false, true, false}},
      {{"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
        "modern-bert", "mpt", "olmo", "jais", "exaone4"},
       {{kGpt2}, false, true, false}},
      {{"trillion", "granite-docling"}, {{kGpt2}, false, false, false}},
      {{"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano"},
       {{kLlama3}, true, true, true}},
      {{"dbrx", "smaug-bpe"}, {{kLlama3}, false, true, false}},
      {{"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2"}, {{kQwen2}, false, false, false}},
      {{"stablelm2", "megrez"}, {{kQwen2}, false, true, false}},
      {{"hunyuan", "solar-open"}, {{kQwen2}, false, false, false}},
      // Every digit alone, then GPT-2.
      {{"smollm", "command-r"}, {{"\\p{N}", kGpt2}, false, false, false}},
      {{"starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2"}, {{"\\p{N}", kGpt2}, false, true, false}},
      {{"falcon"}, {{"[\\p{P}\\$\\+<=>\\^~\\|`]+", kGpt2, "[0-9][0-9][0-9]"}, false, true, false}},
      {{"bloom", "gpt3-finnish"}, {{" ?[^(\\s|.,!?…。，、।۔،)]+"}, false, true, false}},
      {{"poro-chat"}, {{" ?[^(\\s|.,!?…。，、।۔،)]+"}, false, false, false}},
  };
  return kFamilies;
}

}  // namespace

std::optional<GgufPreTokenizer> gguf_pre_tokenizer(const std::string& name) {
  for (const Family& family : families()) {
    for (const char* n : family.names) {
      if (name == n) return family.pre;
    }
  }
  return std::nullopt;
}

std::string gguf_pre_tokenizer_names() {
  std::string out;
  for (const Family& family : families()) {
    for (const char* n : family.names) {
      if (*n == '\0') continue;
      out += (out.empty() ? "" : ", ") + std::string(n);
    }
  }
  return out;
}

}  // namespace lq
