// Models and post-processors from tokenizer.json.
#include <climits>

#include "tokenizers/build_stages.h"
#include "tokenizers/model_bpe.h"
#include "tokenizers/model_unigram.h"
#include "tokenizers/model_wordpiece.h"
#include "tokenizers/post_processor_byte_level.h"
#include "tokenizers/post_processor_template.h"
#include "tokenizers/sequence.h"

namespace lq::tok {
namespace {

// A {"token": id} object, ids checked to be non-negative 32-bit integers.
StringMap<int32_t> read_vocab(const Json& vocab, const JsonPlace& place) {
  if (!vocab.is_object()) place.fail("expected an object of token: id");
  if (vocab.size() > kMaxVocabEntries)
    place.fail("has " + std::to_string(vocab.size()) + " tokens; real vocabularies have at most a few hundred "
               "thousand, and langquant refuses more than " + std::to_string(kMaxVocabEntries));
  StringMap<int32_t> out;
  out.reserve(vocab.size());
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX) {
      place.fail("id of '" + token + "' is not a non-negative 32-bit integer");
    }
    out.emplace(token, id.get<int32_t>());
  }
  return out;
}

int32_t id_value(const Json& id, const JsonPlace& place) {
  if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX) {
    place.fail("expected a non-negative 32-bit integer");
  }
  return id.get<int32_t>();
}

// Merges come as "left right" strings (tokenizers < 0.20, merges.txt lines) or as
// ["left", "right"] arrays (tokenizers >= 0.20, which allows spaces inside tokens).
std::vector<std::pair<std::string, std::string>> read_merges(const Json& j, const JsonPlace& place) {
  if (!j.is_array()) place.fail("expected an array of merges");
  if (j.size() > kMaxMerges)
    place.fail("has " + std::to_string(j.size()) + " merges; real tokenizers have less than a million, and "
               "langquant refuses more than " + std::to_string(kMaxMerges));
  std::vector<std::pair<std::string, std::string>> merges;
  merges.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    const Json& merge = j[i];
    const JsonPlace here{place.file, place.path + "[" + std::to_string(i) + "]"};
    if (merge.is_string()) {
      const auto& line = merge.get_ref<const std::string&>();
      if (line.rfind("#version", 0) == 0) continue;
      const size_t space = line.find(' ');
      if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
        here.fail("merge '" + line + "' is not two tokens separated by one space");
      }
      merges.emplace_back(line.substr(0, space), line.substr(space + 1));
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
      merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
    } else {
      here.fail("expected \"left right\" or [\"left\", \"right\"]");
    }
  }
  return merges;
}

std::unique_ptr<Model> build_bpe(const Json& j, const JsonPlace& place) {
  if (auto it = j.find("dropout"); it != j.end() && !it->is_null()) {
    place.fail("BPE dropout makes tokenization random; langquant needs it null");
  }
  BpeConfig config;
  config.vocab = read_vocab(required_field(j, "vocab", place), place.at("vocab"));
  config.merges = read_merges(required_field(j, "merges", place), place.at("merges"));
  config.unk_token = string_field(j, "unk_token", place);
  config.continuing_subword_prefix = string_field(j, "continuing_subword_prefix", place).value_or("");
  config.end_of_word_suffix = string_field(j, "end_of_word_suffix", place).value_or("");
  config.fuse_unk = bool_field(j, "fuse_unk", false, place);
  config.byte_fallback = bool_field(j, "byte_fallback", false, place);
  config.ignore_merges = bool_field(j, "ignore_merges", false, place);
  return std::make_unique<BpeModel>(std::move(config), place.file);
}

std::unique_ptr<Model> build_wordpiece(const Json& j, const JsonPlace& place) {
  WordPieceConfig config;
  config.vocab = read_vocab(required_field(j, "vocab", place), place.at("vocab"));
  config.unk_token = string_field(j, "unk_token", place).value_or("[UNK]");
  config.continuing_subword_prefix = string_field(j, "continuing_subword_prefix", place).value_or("##");
  config.max_input_chars_per_word = size_field(j, "max_input_chars_per_word", 100, place);
  return std::make_unique<WordPieceModel>(std::move(config), place.file);
}

std::unique_ptr<Model> build_unigram(const Json& j, const JsonPlace& place) {
  UnigramConfig config;
  const Json& vocab = required_field(j, "vocab", place);
  if (!vocab.is_array()) place.at("vocab").fail("expected an array of [piece, score]");
  if (vocab.size() > kMaxVocabEntries)
    place.at("vocab").fail("has " + std::to_string(vocab.size()) + " pieces; langquant refuses more than " +
                           std::to_string(kMaxVocabEntries));
  config.vocab.reserve(vocab.size());
  for (size_t i = 0; i < vocab.size(); ++i) {
    const Json& entry = vocab[i];
    if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() || !entry[1].is_number()) {
      place.at("vocab[" + std::to_string(i) + "]").fail("expected [piece, score]");
    }
    config.vocab.emplace_back(entry[0].get<std::string>(), entry[1].get<double>());
  }
  if (auto it = j.find("unk_id"); it != j.end() && !it->is_null()) config.unk_id = id_value(*it, place.at("unk_id"));
  config.byte_fallback = bool_field(j, "byte_fallback", false, place);
  return std::make_unique<UnigramModel>(std::move(config), place.file);
}

// The ids of the template's special tokens before and after its "A" sequence (the "single"
// template; "pair" is for encoding two texts together, which langquant never does).
std::unique_ptr<PostProcessor> build_template(const Json& j, const JsonPlace& place) {
  const Json& single = required_field(j, "single", place);
  const Json& specials = required_field(j, "special_tokens", place);
  if (!single.is_array()) place.at("single").fail("expected an array");
  std::vector<int32_t> before, after;
  bool seen_sequence = false;
  for (size_t i = 0; i < single.size(); ++i) {
    const JsonPlace here = place.at("single[" + std::to_string(i) + "]");
    const Json& piece = require_object(single[i], here);
    if (piece.contains("Sequence")) {
      const std::string id = string_field(require_object(piece["Sequence"], here), "id", here).value_or("A");
      if (id != "A") here.fail("the single template can only hold sequence A");
      seen_sequence = true;
      continue;
    }
    if (!piece.contains("SpecialToken")) here.fail("expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
    auto name = string_field(require_object(piece["SpecialToken"], here), "id", here);
    if (!name) here.fail("missing special token id");
    auto it = specials.find(*name);
    if (it == specials.end()) here.fail("special token '" + *name + "' is not in special_tokens");
    const Json& ids = required_field(*it, "ids", place.at("special_tokens." + *name));
    if (!ids.is_array()) place.at("special_tokens." + *name).fail("expected an array of ids");
    for (const Json& id : ids) (seen_sequence ? after : before).push_back(id_value(id, here));
  }
  return std::make_unique<TemplatePostProcessor>(std::move(before), std::move(after));
}

// BertProcessing's "cls"/"sep": ["[CLS]", 101].
int32_t token_pair_id(const Json& j, const char* key, const JsonPlace& place) {
  const Json& pair = required_field(j, key, place);
  if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string()) place.at(key).fail("expected [token, id]");
  return id_value(pair[1], place.at(key));
}

}  // namespace

std::unique_ptr<Model> build_model(const Json& j, const JsonPlace& place) {
  require_object(j, place);
  // Old files may omit the type; tokenizers then recognises BPE by its fields.
  const bool looks_like_bpe = !j.contains("type") && j.contains("vocab") && j.contains("merges");
  const std::string type = looks_like_bpe ? "BPE" : type_field(j, place);
  if (type == "BPE") return build_bpe(j, place);
  if (type == "WordPiece") return build_wordpiece(j, place);
  if (type == "Unigram") return build_unigram(j, place);
  place.fail("unsupported model type '" + type + "'");
}

std::unique_ptr<PostProcessor> build_post_processor(const Json& j, const JsonPlace& place) {
  if (j.is_null()) return nullptr;
  const std::string type = type_field(j, place);
  if (type == "ByteLevel") return std::make_unique<ByteLevelPostProcessor>();
  if (type == "TemplateProcessing") return build_template(j, place);
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    return std::make_unique<TemplatePostProcessor>(std::vector<int32_t>{token_pair_id(j, "cls", place)},
                                                   std::vector<int32_t>{token_pair_id(j, "sep", place)});
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PostProcessor>> parts;
    const Json& list = required_field(j, "processors", place);
    if (!list.is_array()) place.at("processors").fail("expected an array");
    for (size_t i = 0; i < list.size(); ++i) {
      if (auto part = build_post_processor(list[i], place.at("processors[" + std::to_string(i) + "]"))) {
        parts.push_back(std::move(part));
      }
    }
    return std::make_unique<PostProcessorSequence>(std::move(parts));
  }
  place.fail("unsupported post_processor type '" + type + "'");
}

}  // namespace lq::tok
