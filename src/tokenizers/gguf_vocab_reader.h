// The tokenizer a GGUF file carries in its metadata (tokenizer.ggml.*), read into the
// container-neutral GgufVocab that gguf_vocab.h turns into a tokenizer.
#pragma once
#include "formats/gguf.h"
#include "tokenizers/gguf_vocab.h"

namespace lq {

// Throws naming the file when a required key is missing or has the wrong type, or when the
// per-token arrays disagree in length.
GgufVocab read_gguf_vocab(const GgufFile& gguf);

}  // namespace lq
