// The tokenizer a GGUF file describes in its tokenizer.ggml.* metadata, turned into a
// Hugging Face tokenizer.json and an lq::Tokenizer that gives llama.cpp's ids.
//
// Two tokenizer models are understood (tokenizer.ggml.model):
//   "llama": SentencePiece-style BPE by score (llama.cpp's llm_tokenizer_spm): spaces become
//            U+2581, adjacent symbols whose concatenation is a vocabulary token merge, highest
//            score first (leftmost on ties); characters left unmerged fall back to <0xXX>.
//   "gpt2":  byte-level BPE with ranked merges and a pre-tokenizer regex chosen by
//            tokenizer.ggml.pre (llama.cpp's names: default, gpt-2, llama3/llama-bpe,
//            qwen2, smollm, ...).
// Special tokens: control, user-defined and unknown tokens (token_type 3, 4, 2) are cut out of
// the text before tokenizing, as llama.cpp does with parse_special=true and as Hugging Face
// tokenizers does with its added tokens. add_bos puts bos_id first when encode() is asked
// for special tokens.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizers/tokenizer.h"

namespace lq {

struct GgufVocab {
  std::string model;  // tokenizer.ggml.model
  std::string pre;    // tokenizer.ggml.pre ("" when absent)
  std::vector<std::string> tokens;
  std::vector<float> scores;          // empty when absent (llama.cpp then uses 0)
  std::vector<int32_t> token_types;   // empty when absent (all normal)
  std::vector<std::string> merges;    // "a b"
  std::optional<int32_t> bos_id, eos_id, unk_id, pad_id, sep_id;
  std::optional<bool> add_bos, add_eos, add_space_prefix;
  std::string source;  // file path, for error messages
};

// The Hugging Face tokenizer.json equivalent of the vocabulary (what `langquant convert`
// writes beside a converted checkpoint). Throws lq::Error naming vocab.source for an unknown
// model or pre-tokenizer, or a malformed vocabulary.
nlohmann::json tokenizer_json_from_gguf(const GgufVocab& vocab);

// The tokenizer llama.cpp builds from the same metadata: encode(text, true) gives
// llama_tokenize(text, add_special=true, parse_special=true); decode(ids, true) gives
// llama_detokenize(ids, remove_special=false, unparse_special=false) and decode(ids, false)
// the same with unparse_special=true.
std::unique_ptr<Tokenizer> tokenizer_from_gguf(const GgufVocab& vocab);

}  // namespace lq
