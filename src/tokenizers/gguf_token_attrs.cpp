#include "tokenizers/gguf_token_attrs.h"

#include <set>
#include <string_view>
#include <unordered_map>

namespace lq {
namespace {

// Token texts llama.cpp (llama_vocab::impl::load) recognises as end-of-turn, end-of-generation
// or fill-in-the-middle tokens and therefore forces to control type.
const std::set<std::string_view>& control_by_text() {
  static const std::set<std::string_view> kTexts = {
      // end of turn / message / generation
      "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>",
      "[EOT]", "[EOS]", "<｜end▁of▁sentence｜>", "<end_of_utterance>", "<|eom_id|>", "<|return|>", "<|call|>",
      "<|flush|>", "<|calls|>", "</s>", "<eos>", "<turn|>", "<|tool_response>", "[e~[",
      // fill in the middle
      "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>",
      "<|prefix|>", "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>",
      "<|code_suffix|>", "<|suffix|>", "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>",
      "▁<MID>", "<|code_middle|>", "<|middle|>", "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]",
      "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>", "<|file_sep|>",
  };
  return kTexts;
}

uint32_t attr_of_type(int32_t type) {
  switch (type) {
    case 1: return kGgufNormal;
    case 2: return kGgufUnknown;
    case 3: return kGgufControl;
    case 4: return kGgufUserDefined;
    case 5: return kGgufUnused;
    case 6: return kGgufByte;
    default: return kGgufUndefined;
  }
}

}  // namespace

std::vector<uint32_t> gguf_token_attrs(const std::vector<std::string>& tokens, const std::vector<int32_t>& token_types) {
  std::vector<uint32_t> attrs(tokens.size(), kGgufNormal);
  std::unordered_map<std::string_view, size_t> id_of;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!token_types.empty()) attrs[i] = attr_of_type(token_types[i]);
    id_of.emplace(tokens[i], i);
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (control_by_text().count(tokens[i])) attrs[i] |= kGgufControl;
  }
  // gpt-oss's channel markers are always rendered.
  for (const char* text : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
    if (auto it = id_of.find(text); it != id_of.end()) attrs[it->second] = kGgufUserDefined;
  }
  auto has = [&](std::string_view text) { return id_of.count(text) > 0; };
  // o200k_harmony and solar-open: "<|end|>" ends a message, not the generation.
  if (has("<|end|>") && ((has("<|return|>") && has("<|call|>")) || (has("<|calls|>") && has("<|flush|>")))) {
    attrs[id_of.at("<|end|>")] = kGgufUserDefined;
  }
  // Gemma 4 and PaddleOCR: "</s>" is text there.
  if (has("</s>") && has("<|tool_response>")) attrs[id_of.at("</s>")] = kGgufNormal;
  return attrs;
}

}  // namespace lq
