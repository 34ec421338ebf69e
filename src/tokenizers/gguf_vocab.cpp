// GGUF tokenizer metadata -> tokenizer.json stages -> the langquant pipeline.
//
// Choices, each to match llama.cpp (src/llama-vocab.cpp):
// - Control, user-defined and unknown tokens are added tokens matched on the raw text
//   (normalized=false), i.e. llama_tokenize(..., parse_special=true). Control and unknown ones
//   are "special" (decoded to nothing when special tokens are skipped); user-defined ones are
//   not. Matching is tokenizers' leftmost-longest; llama.cpp instead takes the longest token
//   first over the whole text, which differs only where two special tokens overlap in the text
//   (one ends inside the other), never for runs of one character such as Gemma's "\n\n".
// - "llama" (SPM): add_space_prefix puts "▁" before every text fragment (llama.cpp: at the start
//   and after every special token), spaces become "▁", no pre-tokenizer (merges cross words).
// - "gpt2": llama.cpp's regexes for tokenizer.ggml.pre, then GPT-2's byte alphabet.
// - BOS/EOS come from the post-processor, so encode(text, add_special_tokens=true) is
//   llama_tokenize(text, add_special=true).
#include "tokenizers/gguf_vocab.h"

#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "core/error.h"
#include "tokenizers/build_stages.h"
#include "tokenizers/byte_level_alphabet.h"
#include "tokenizers/gguf_pre_tokenizers.h"
#include "tokenizers/gguf_token_attrs.h"
#include "tokenizers/model_spm_scores.h"
#include "tokenizers/pipeline_tokenizer.h"
#include "tokenizers/spm_score_merges.h"

namespace lq {
namespace {

using Json = nlohmann::json;
const char* const kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

// The vocabulary checked and completed with llama.cpp's defaults.
struct Spec {
  bool spm = false;  // "llama"; otherwise "gpt2"
  GgufPreTokenizer pre;
  std::vector<std::string> tokens;
  std::vector<uint32_t> attrs;
  std::optional<int32_t> bos, eos, unk;
  bool add_bos = false, add_eos = false, add_space_prefix = false;
};

Spec check(const GgufVocab& v) {
  const std::string& where = v.source;
  Spec s;
  if (v.model == "llama") {
    s.spm = true;
  } else if (v.model == "gpt2") {
    auto pre = gguf_pre_tokenizer(v.pre);
    if (!pre) {
      fail(where, "tokenizer.ggml.pre '" + v.pre + "' is not a pre-tokenizer langquant knows (" +
                      gguf_pre_tokenizer_names() + ")");
    }
    s.pre = *pre;
  } else {
    fail(where, "tokenizer.ggml.model '" + v.model + "' is not supported (langquant reads 'llama' and 'gpt2')");
  }
  const size_t n = v.tokens.size();
  if (n == 0) fail(where, "tokenizer.ggml.tokens is empty");
  if (!v.scores.empty() && v.scores.size() != n) fail(where, "tokenizer.ggml.scores and tokens differ in number");
  if (!v.token_types.empty() && v.token_types.size() != n) {
    fail(where, "tokenizer.ggml.token_type and tokens differ in number");
  }
  for (size_t i = 0; i < v.scores.size(); ++i) {
    if (std::isnan(v.scores[i])) fail(where, "score of token " + std::to_string(i) + " is not a number");
  }
  s.tokens = v.tokens;
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i < n; ++i) {
    if (s.tokens[i].empty()) s.tokens[i] = "[EMPTY_" + std::to_string(i) + "]";  // as llama.cpp renames it
    if (auto [it, fresh] = seen.emplace(s.tokens[i], i); !fresh) {
      fail(where, "token '" + s.tokens[i] + "' appears twice in the vocabulary (ids " + std::to_string(it->second) +
                      " and " + std::to_string(i) + ")");
    }
  }
  s.attrs = gguf_token_attrs(s.tokens, v.token_types);

  // llama.cpp's defaults for keys the file leaves out; ids past the vocabulary are dropped.
  auto id = [&](const std::optional<int32_t>& given, std::optional<int32_t> fallback, const char* key) {
    std::optional<int32_t> out = given ? given : fallback;
    if (given && (*given < 0 || static_cast<size_t>(*given) >= n)) {
      fail(where, std::string(key) + " = " + std::to_string(*given) + " is not a token id");
    }
    if (out && static_cast<size_t>(*out) >= n) out.reset();
    return out;
  };
  s.bos = id(v.bos_id, s.spm ? 1 : 11, "tokenizer.ggml.bos_token_id");
  s.eos = id(v.eos_id, s.spm ? 2 : 11, "tokenizer.ggml.eos_token_id");
  s.unk = id(v.unk_id, s.spm ? std::optional<int32_t>(0) : std::nullopt, "tokenizer.ggml.unknown_token_id");
  s.add_bos = v.add_bos.value_or(s.spm ? true : s.pre.add_bos);
  s.add_eos = v.add_eos.value_or(false);
  s.add_space_prefix = v.add_space_prefix.value_or(s.spm);
  if (s.add_bos && !s.bos) fail(where, "add_bos_token is true but there is no bos_token_id");
  if (s.add_eos && !s.eos) fail(where, "add_eos_token is true but there is no eos_token_id");
  return s;
}

Json replace(const std::string& from, const std::string& to) {
  return {{"type", "Replace"}, {"pattern", {{"String", from}}}, {"content", to}};
}

Json added_tokens_json(const Spec& s) {
  Json list = Json::array();
  for (size_t i = 0; i < s.tokens.size(); ++i) {
    if (!gguf_is_cut_out(s.attrs[i])) continue;
    list.push_back({{"id", i}, {"content", s.tokens[i]}, {"single_word", false}, {"lstrip", false},
                    {"rstrip", false}, {"normalized", false}, {"special", gguf_is_special(s.attrs[i])}});
  }
  return list;
}

Json normalizer_json(const Spec& s) {
  if (!s.spm) return nullptr;
  if (!s.add_space_prefix) return replace(" ", kSpace);
  return {{"type", "Sequence"},
          {"normalizers", Json::array({{{"type", "Prepend"}, {"prepend", kSpace}}, replace(" ", kSpace)})}};
}

// A regex class of the characters of GPT-2's byte alphabet that are not tokens ("" if none).
// llama.cpp keeps such a character as a symbol while merging, so nothing merges across it,
// and drops it at the end; tokenizers' BPE would drop it first and merge its neighbours, so
// the pre-tokenizer removes it and splits the word there.
std::string missing_byte_chars(const Spec& s) {
  std::unordered_map<std::string, bool> known;
  for (const std::string& token : s.tokens) known.emplace(token, true);
  std::string cls;
  char buf[16];
  for (int b = 0; b < 256; ++b) {
    if (known.count(std::string(tok::byte_to_utf8(static_cast<uint8_t>(b))))) continue;
    std::snprintf(buf, sizeof buf, "\\x{%X}", static_cast<unsigned>(tok::byte_to_code_point(static_cast<uint8_t>(b))));
    cls += buf;
  }
  return cls.empty() ? "" : "[" + cls + "]";
}

Json pre_tokenizer_json(const Spec& s) {
  if (s.spm) return nullptr;
  Json parts = Json::array();
  for (const std::string& regex : s.pre.regexes) {
    parts.push_back({{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}, {"invert", false}});
  }
  parts.push_back({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}});
  if (const std::string missing = missing_byte_chars(s); !missing.empty()) {
    parts.push_back({{"type", "Split"}, {"pattern", {{"Regex", missing}}}, {"behavior", "Removed"}, {"invert", false}});
  }
  return {{"type", "Sequence"}, {"pretokenizers", parts}};
}

Json post_processor_json(const Spec& s) {
  if (!s.add_bos && !s.add_eos) return nullptr;
  Json single = Json::array(), pair = Json::array(), specials = Json::object();
  auto special = [&](int32_t id) {
    const std::string& text = s.tokens[id];
    specials[text] = {{"id", text}, {"ids", {id}}, {"tokens", {text}}};
    return Json{{"SpecialToken", {{"id", text}, {"type_id", 0}}}};
  };
  if (s.add_bos) single.push_back(special(*s.bos));
  single.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
  if (s.add_eos) single.push_back(special(*s.eos));
  pair = single;
  pair.push_back({{"Sequence", {{"id", "B"}, {"type_id", 1}}}});
  return {{"type", "TemplateProcessing"}, {"single", single}, {"pair", pair}, {"special_tokens", specials}};
}

Json decoder_json(const Spec& s) {
  if (!s.spm) return {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
  Json steps = Json::array({replace(kSpace, " "), {{"type", "ByteFallback"}}, {{"type", "Fuse"}}});
  if (s.add_space_prefix) steps.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1u}, {"stop", 0u}});
  return {{"type", "Sequence"}, {"decoders", steps}};
}

// "a b" -> ["a", "b"], split at the first space after the first byte, as llama.cpp does.
std::pair<std::string, std::string> split_merge(const std::string& merge, const std::string& where) {
  const size_t space = merge.find(' ', 1);
  if (space == std::string::npos) fail(where, "merge '" + merge + "' is not two tokens separated by a space");
  return {merge.substr(0, space), merge.substr(space + 1)};
}

Json model_json(const GgufVocab& v, const Spec& s) {
  Json vocab = Json::object();
  for (size_t i = 0; i < s.tokens.size(); ++i) vocab[s.tokens[i]] = i;
  Json merges = Json::array();
  if (s.spm) {
    for (auto& [left, right] : spm_score_merges(s.tokens, v.scores)) merges.push_back({left, right});
  } else {
    for (const std::string& merge : v.merges) {
      auto [left, right] = split_merge(merge, v.source);
      merges.push_back({left, right});
    }
  }
  return {{"type", "BPE"},
          {"dropout", nullptr},
          // llama.cpp's BPE drops a character it has no token for; SPM falls back to bytes.
          {"unk_token", s.spm && s.unk ? Json(s.tokens[*s.unk]) : Json(nullptr)},
          {"continuing_subword_prefix", nullptr},
          {"end_of_word_suffix", nullptr},
          {"fuse_unk", false},
          {"byte_fallback", s.spm},
          {"ignore_merges", s.pre.ignore_merges},
          {"vocab", vocab},
          {"merges", merges}};
}

std::vector<tok::AddedToken> added_tokens(const Spec& s) {
  std::vector<tok::AddedToken> out;
  for (size_t i = 0; i < s.tokens.size(); ++i) {
    if (!gguf_is_cut_out(s.attrs[i])) continue;
    tok::AddedToken t;
    t.id = static_cast<int32_t>(i);
    t.content = s.tokens[i];
    t.normalized = false;
    t.special = gguf_is_special(s.attrs[i]);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

Json tokenizer_json_from_gguf(const GgufVocab& vocab) {
  const Spec s = check(vocab);
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", added_tokens_json(s)},
          {"normalizer", normalizer_json(s)},
          {"pre_tokenizer", pre_tokenizer_json(s)},
          {"post_processor", post_processor_json(s)},
          {"decoder", decoder_json(s)},
          {"model", model_json(vocab, s)}};
}

std::unique_ptr<Tokenizer> tokenizer_from_gguf(const GgufVocab& vocab) {
  using namespace tok;
  const Spec s = check(vocab);
  const JsonPlace place{vocab.source, "tokenizer.ggml"};
  PipelineStages stages;
  stages.normalizer = build_normalizer(normalizer_json(s), place);
  stages.pre_tokenizer = build_pre_tokenizer(pre_tokenizer_json(s), place);
  stages.post_processor = build_post_processor(post_processor_json(s), place);
  stages.decoder = build_decoder(decoder_json(s), place);
  // SPM by score as llama.cpp runs it (BPE merges would differ on ties, see spm_score_merges.h).
  stages.model = s.spm ? std::make_unique<SpmScoresModel>(s.tokens, vocab.scores, s.unk, vocab.source)
                       : build_model(model_json(vocab, s), place);
  stages.added_tokens = AddedTokens(added_tokens(s), stages.normalizer.get());
  return std::make_unique<PipelineTokenizer>(std::move(stages));
}

}  // namespace lq
