// Builds a PipelineTokenizer from a Hugging Face tokenizer.json. Every stage type is looked up
// by name; a type langquant does not implement is an error naming it, never skipped, because a
// silently missing stage would give plausible but wrong ids.
#include <climits>
#include <filesystem>

#include "core/mapped_file.h"
#include "tokenizers/decoder_byte_level.h"
#include "tokenizers/json_fields.h"
#include "tokenizers/model_bpe.h"
#include "tokenizers/pipeline_tokenizer.h"
#include "tokenizers/post_processor_byte_level.h"
#include "tokenizers/pre_tokenizer_byte_level.h"

namespace lq {
namespace tok {
namespace {

std::unique_ptr<Normalizer> build_normalizer(const Json& j, const JsonPlace& place) {
  if (j.is_null()) return nullptr;
  place.fail("unsupported normalizer type '" + type_field(j, place) + "'");
}

std::unique_ptr<PreTokenizer> build_pre_tokenizer(const Json& j, const JsonPlace& place) {
  if (j.is_null()) return nullptr;
  const std::string type = type_field(j, place);
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPreTokenizer>(bool_field(j, "add_prefix_space", true, place),
                                                   bool_field(j, "use_regex", true, place), place.file);
  }
  place.fail("unsupported pre_tokenizer type '" + type + "'");
}

std::unique_ptr<PostProcessor> build_post_processor(const Json& j, const JsonPlace& place) {
  if (j.is_null()) return nullptr;
  const std::string type = type_field(j, place);
  if (type == "ByteLevel") return std::make_unique<ByteLevelPostProcessor>();
  place.fail("unsupported post_processor type '" + type + "'");
}

std::unique_ptr<Decoder> build_decoder(const Json& j, const JsonPlace& place) {
  if (j.is_null()) return nullptr;
  const std::string type = type_field(j, place);
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  place.fail("unsupported decoder type '" + type + "'");
}

// Merges come as "left right" strings (tokenizers < 0.20, merges.txt lines) or as
// ["left", "right"] arrays (tokenizers >= 0.20, which allows spaces inside tokens).
std::vector<std::pair<std::string, std::string>> read_merges(const Json& j, const JsonPlace& place) {
  if (!j.is_array()) place.fail("expected an array of merges");
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
  const Json& vocab = required_field(j, "vocab", place);
  if (!vocab.is_object()) place.at("vocab").fail("expected an object of token: id");
  config.vocab.reserve(vocab.size());
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX) {
      place.at("vocab").fail("id of '" + token + "' is not a non-negative 32-bit integer");
    }
    config.vocab.emplace(token, id.get<int32_t>());
  }
  config.merges = read_merges(required_field(j, "merges", place), place.at("merges"));
  config.unk_token = string_field(j, "unk_token", place);
  config.continuing_subword_prefix = string_field(j, "continuing_subword_prefix", place).value_or("");
  config.end_of_word_suffix = string_field(j, "end_of_word_suffix", place).value_or("");
  config.fuse_unk = bool_field(j, "fuse_unk", false, place);
  config.byte_fallback = bool_field(j, "byte_fallback", false, place);
  config.ignore_merges = bool_field(j, "ignore_merges", false, place);
  return std::make_unique<BpeModel>(std::move(config), place.file);
}

std::unique_ptr<Model> build_model(const Json& j, const JsonPlace& place) {
  require_object(j, place);
  // Old files may omit the type; tokenizers then recognises BPE by its fields.
  const bool looks_like_bpe = !j.contains("type") && j.contains("vocab") && j.contains("merges");
  const std::string type = looks_like_bpe ? "BPE" : type_field(j, place);
  if (type == "BPE") return build_bpe(j, place);
  place.fail("unsupported model type '" + type + "'");
}

std::vector<AddedToken> read_added_tokens(const Json& j, const JsonPlace& place, const Model& model) {
  std::vector<AddedToken> tokens;
  if (j.is_null()) return tokens;
  if (!j.is_array()) place.fail("expected an array");
  for (size_t i = 0; i < j.size(); ++i) {
    const JsonPlace here{place.file, place.path + "[" + std::to_string(i) + "]"};
    const Json& t = require_object(j[i], here);
    AddedToken token;
    auto content = string_field(t, "content", here);
    if (!content) here.fail("missing field 'content'");
    token.content = *content;
    const Json& id = required_field(t, "id", here);
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX) {
      here.at("id").fail("expected a non-negative 32-bit integer");
    }
    // tokenizers re-adds the tokens on load: one the model already knows takes the model's id.
    token.id = model.token_to_id(token.content).value_or(id.get<int32_t>());
    token.single_word = bool_field(t, "single_word", false, here);
    token.lstrip = bool_field(t, "lstrip", false, here);
    token.rstrip = bool_field(t, "rstrip", false, here);
    token.special = bool_field(t, "special", false, here);
    token.normalized = bool_field(t, "normalized", !token.special, here);
    tokens.push_back(std::move(token));
  }
  return tokens;
}

}  // namespace
}  // namespace tok

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& tokenizer_json_path) {
  using namespace tok;
  const std::string text = read_file(tokenizer_json_path);
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::parse_error& e) {
    fail(tokenizer_json_path, std::string("not valid JSON: ") + e.what());
  }
  const JsonPlace top{tokenizer_json_path, ""};
  if (!root.is_object()) top.fail("not a tokenizer.json: expected a JSON object");
  if (auto version = string_field(root, "version", top); version && *version != "1.0") {
    top.fail("unknown tokenizer.json version '" + *version + "'");
  }
  // "truncation" and "padding" are deliberately not applied: langquant tokenizes whole texts.
  PipelineStages stages;
  stages.model = build_model(required_field(root, "model", top), top.at("model"));
  const Json null_json;
  auto stage = [&](const char* key) -> const Json& {
    auto it = root.find(key);
    return it == root.end() ? null_json : *it;
  };
  stages.normalizer = build_normalizer(stage("normalizer"), top.at("normalizer"));
  stages.pre_tokenizer = build_pre_tokenizer(stage("pre_tokenizer"), top.at("pre_tokenizer"));
  stages.post_processor = build_post_processor(stage("post_processor"), top.at("post_processor"));
  stages.decoder = build_decoder(stage("decoder"), top.at("decoder"));
  stages.added_tokens = AddedTokens(read_added_tokens(stage("added_tokens"), top.at("added_tokens"), *stages.model));
  return std::make_unique<PipelineTokenizer>(std::move(stages));
}

std::string find_tokenizer_json(const std::string& dir_or_file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(dir_or_file, ec)) {
    const fs::path candidate = fs::path(dir_or_file) / "tokenizer.json";
    if (!fs::is_regular_file(candidate, ec)) fail(dir_or_file, "no tokenizer.json in this folder");
    return candidate.string();
  }
  if (!fs::exists(dir_or_file, ec)) fail(dir_or_file, "no such file or folder");
  return dir_or_file;
}

}  // namespace lq
