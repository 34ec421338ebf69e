// Normalizers, pre-tokenizers and decoders from tokenizer.json.
#include "tokenizers/build_stages.h"
#include "tokenizers/decoder_byte_level.h"
#include "tokenizers/decoders_text.h"
#include "tokenizers/normalizer_bert.h"
#include "tokenizers/normalizer_text.h"
#include "tokenizers/normalizer_unicode.h"
#include "tokenizers/pre_tokenizer_byte_level.h"
#include "tokenizers/pre_tokenizer_char_class.h"
#include "tokenizers/pre_tokenizer_metaspace.h"
#include "tokenizers/pre_tokenizer_split.h"
#include "tokenizers/sequence.h"
#include "tokenizers/unicode.h"

namespace lq::tok {
namespace {

// A {"String": s} or {"Regex": r} pattern as a PCRE2 pattern.
std::string pattern_field(const Json& j, const JsonPlace& place) {
  const Json& pattern = required_field(j, "pattern", place);
  const JsonPlace here = place.at("pattern");
  if (auto s = string_field(require_object(pattern, here), "String", here)) return escape_regex(*s);
  if (auto r = string_field(pattern, "Regex", here)) return onig_to_pcre2(*r);
  here.fail("expected {\"String\": ...} or {\"Regex\": ...}");
}

ReplacePattern replace_pattern(const Json& j, const JsonPlace& place) {
  const JsonPlace here = place.at("pattern");
  const Json& pattern = require_object(required_field(j, "pattern", place), here);
  std::string content = string_field(j, "content", place).value_or("");
  if (auto s = string_field(pattern, "String", here)) return ReplacePattern::literal(*s, std::move(content));
  if (auto r = string_field(pattern, "Regex", here)) return ReplacePattern::regex(*r, std::move(content), here.file);
  here.fail("expected {\"String\": ...} or {\"Regex\": ...}");
}

// A field holding exactly one character (Metaspace's replacement, Strip's content).
char32_t char_field(const Json& j, const char* key, char32_t fallback, const JsonPlace& place) {
  auto s = string_field(j, key, place);
  if (!s) return fallback;
  size_t i = 0;
  const char32_t cp = s->empty() ? 0 : decode_utf8(*s, i);
  if (s->empty() || i != s->size()) place.at(key).fail("expected a single character");
  return cp;
}

// Metaspace's prepend_scheme; files from before tokenizers 0.14 have add_prefix_space.
PrependScheme prepend_scheme(const Json& j, const JsonPlace& place) {
  if (auto scheme = string_field(j, "prepend_scheme", place)) {
    if (*scheme == "always") return PrependScheme::kAlways;
    if (*scheme == "first") return PrependScheme::kFirst;
    if (*scheme == "never") return PrependScheme::kNever;
    place.at("prepend_scheme").fail("unknown prepend_scheme '" + *scheme + "'");
  }
  return bool_field(j, "add_prefix_space", true, place) ? PrependScheme::kAlways : PrependScheme::kNever;
}

SplitBehavior behavior_field(const Json& j, const JsonPlace& place) {
  const std::string name = string_field(j, "behavior", place).value_or("Isolated");
  auto behavior = parse_split_behavior(name);
  if (!behavior) place.at("behavior").fail("unknown split behavior '" + name + "'");
  return *behavior;
}

// The parts of a Sequence stage, each built by `build`.
template <class Stage, class Build>
std::vector<std::unique_ptr<Stage>> parts(const Json& j, const char* key, const JsonPlace& place, Build&& build) {
  const Json& list = required_field(j, key, place);
  if (!list.is_array()) place.at(key).fail("expected an array");
  std::vector<std::unique_ptr<Stage>> out;
  for (size_t i = 0; i < list.size(); ++i) {
    auto part = build(list[i], place.at(std::string(key) + "[" + std::to_string(i) + "]"));
    if (part) out.push_back(std::move(part));
  }
  return out;
}

}  // namespace

std::unique_ptr<Normalizer> build_normalizer(const Json& j, const JsonPlace& place) {
  if (j.is_null()) return nullptr;
  const std::string type = type_field(j, place);
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(NormalForm::kNFC);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(NormalForm::kNFD);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(NormalForm::kNFKC);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(NormalForm::kNFKD);
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
  if (type == "Strip") {
    return std::make_unique<StripNormalizer>(bool_field(j, "strip_left", true, place),
                                             bool_field(j, "strip_right", true, place));
  }
  if (type == "Prepend") {
    auto prefix = string_field(j, "prepend", place);
    if (!prefix) place.fail("missing field 'prepend'");
    return std::make_unique<PrependNormalizer>(*prefix);
  }
  if (type == "Replace") return std::make_unique<ReplaceNormalizer>(replace_pattern(j, place));
  if (type == "BertNormalizer") {
    const bool lowercase = bool_field(j, "lowercase", true, place);
    return std::make_unique<BertNormalizer>(bool_field(j, "clean_text", true, place),
                                            bool_field(j, "handle_chinese_chars", true, place),
                                            bool_field(j, "strip_accents", lowercase, place), lowercase);
  }
  if (type == "Sequence") {
    return std::make_unique<NormalizerSequence>(parts<Normalizer>(j, "normalizers", place, build_normalizer));
  }
  if (type == "Precompiled") {
    place.fail("unsupported normalizer type 'Precompiled' (SentencePiece's compiled normalization rules, used by "
               "mT5/XGLM-style tokenizers, are not implemented; ids would differ)");
  }
  place.fail("unsupported normalizer type '" + type + "'");
}

std::unique_ptr<PreTokenizer> build_pre_tokenizer(const Json& j, const JsonPlace& place) {
  if (j.is_null()) return nullptr;
  const std::string type = type_field(j, place);
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPreTokenizer>(bool_field(j, "add_prefix_space", true, place),
                                                   bool_field(j, "use_regex", true, place), place.file);
  }
  if (type == "Metaspace") {
    return std::make_unique<MetaspacePreTokenizer>(char_field(j, "replacement", U'\u2581', place),
                                                   prepend_scheme(j, place), bool_field(j, "split", true, place));
  }
  if (type == "Split") {
    return std::make_unique<SplitPreTokenizer>(pattern_field(j, place), behavior_field(j, place),
                                               bool_field(j, "invert", false, place), place.file);
  }
  if (type == "Whitespace") return std::make_unique<WhitespacePreTokenizer>();
  if (type == "WhitespaceSplit") return std::make_unique<WhitespaceSplitPreTokenizer>();
  if (type == "BertPreTokenizer") return std::make_unique<BertPreTokenizer>();
  if (type == "Punctuation") return std::make_unique<PunctuationPreTokenizer>(behavior_field(j, place));
  if (type == "Digits") return std::make_unique<DigitsPreTokenizer>(bool_field(j, "individual_digits", false, place));
  if (type == "Sequence") {
    return std::make_unique<PreTokenizerSequence>(parts<PreTokenizer>(j, "pretokenizers", place, build_pre_tokenizer));
  }
  place.fail("unsupported pre_tokenizer type '" + type + "'");
}

std::unique_ptr<Decoder> build_decoder(const Json& j, const JsonPlace& place) {
  if (j.is_null()) return nullptr;
  const std::string type = type_field(j, place);
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace") {
    return std::make_unique<MetaspaceDecoder>(char_field(j, "replacement", U'\u2581', place),
                                              prepend_scheme(j, place) != PrependScheme::kNever);
  }
  if (type == "WordPiece") {
    return std::make_unique<WordPieceDecoder>(string_field(j, "prefix", place).value_or("##"),
                                              bool_field(j, "cleanup", true, place));
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    return std::make_unique<StripDecoder>(char_field(j, "content", U' ', place), size_field(j, "start", 0, place),
                                          size_field(j, "stop", 0, place));
  }
  if (type == "Replace") return std::make_unique<ReplaceDecoder>(replace_pattern(j, place));
  if (type == "BPEDecoder") {
    return std::make_unique<BpeSuffixDecoder>(string_field(j, "suffix", place).value_or("</w>"));
  }
  if (type == "Sequence") return std::make_unique<DecoderSequence>(parts<Decoder>(j, "decoders", place, build_decoder));
  place.fail("unsupported decoder type '" + type + "'");
}

}  // namespace lq::tok
