// The Hugging Face config.json equivalent of a GGUF file's hyper-parameters. Every
// architecture then reads one kind of config whatever the container, and `langquant convert`
// writes exactly this config.json beside the converted weights, so transformers loads them.
#pragma once
#include <nlohmann/json.hpp>

#include "formats/gguf.h"

namespace lq {

// Supported general.architecture values: llama (also Mistral), qwen2, gemma3, gpt2. Others are
// refused by name. Values llama.cpp does not store but hard-codes for an architecture (Gemma 3's
// local RoPE base and layer pattern) are filled in as llama.cpp assumes them, each commented.
nlohmann::json hf_config_from_gguf(const GgufFile& gguf);

// GGUF general.architecture values langquant reads.
const std::vector<std::string>& gguf_architectures();

}  // namespace lq
