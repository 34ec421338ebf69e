#include "tokenizers/gguf_vocab_reader.h"

#include "core/error.h"
#include "tokenizers/json_fields.h"

namespace lq {

GgufVocab read_gguf_vocab(const GgufFile& g) {
  GgufVocab v;
  v.source = g.path();
  v.model = g.get_string("tokenizer.ggml.model");
  v.pre = g.find_string("tokenizer.ggml.pre").value_or("");
  v.tokens = g.get_strings("tokenizer.ggml.tokens");
  const size_t n = v.tokens.size();
  // The limits tokenizer.json has (json_fields.h): a crafted file is refused before the
  // tokenizer's tables are built from millions of entries.
  if (n > tok::kMaxVocabEntries)
    fail(g.path(), "tokenizer.ggml.tokens has " + std::to_string(n) + " tokens; langquant refuses more than " +
                       std::to_string(tok::kMaxVocabEntries));
  if (g.find("tokenizer.ggml.scores")) v.scores = g.get_floats("tokenizer.ggml.scores");
  if (g.find("tokenizer.ggml.token_type"))
    for (int64_t t : g.get_ints("tokenizer.ggml.token_type")) v.token_types.push_back(static_cast<int32_t>(t));
  if (g.find("tokenizer.ggml.merges")) v.merges = g.get_strings("tokenizer.ggml.merges");
  if (v.merges.size() > tok::kMaxMerges)
    fail(g.path(), "tokenizer.ggml.merges has " + std::to_string(v.merges.size()) +
                       " merges; real tokenizers have less than a million, and langquant refuses more than " +
                       std::to_string(tok::kMaxMerges));
  if (!v.scores.empty() && v.scores.size() != n)
    fail(g.path(), "tokenizer.ggml.scores has " + std::to_string(v.scores.size()) + " entries for " +
                       std::to_string(n) + " tokens");
  if (!v.token_types.empty() && v.token_types.size() != n)
    fail(g.path(), "tokenizer.ggml.token_type has " + std::to_string(v.token_types.size()) + " entries for " +
                       std::to_string(n) + " tokens");
  const auto id = [&](const char* key) -> std::optional<int32_t> {
    const auto i = g.find_int(key);
    if (!i) return std::nullopt;
    if (*i < 0 || *i >= static_cast<int64_t>(n))
      fail(g.path(), std::string(key) + " = " + std::to_string(*i) + " is not a token id (vocabulary of " +
                         std::to_string(n) + ")");
    return static_cast<int32_t>(*i);
  };
  v.bos_id = id("tokenizer.ggml.bos_token_id");
  v.eos_id = id("tokenizer.ggml.eos_token_id");
  v.unk_id = id("tokenizer.ggml.unknown_token_id");
  v.pad_id = id("tokenizer.ggml.padding_token_id");
  v.sep_id = id("tokenizer.ggml.seperator_token_id");
  v.add_bos = g.find_bool("tokenizer.ggml.add_bos_token");
  v.add_eos = g.find_bool("tokenizer.ggml.add_eos_token");
  v.add_space_prefix = g.find_bool("tokenizer.ggml.add_space_prefix");
  return v;
}

}  // namespace lq
