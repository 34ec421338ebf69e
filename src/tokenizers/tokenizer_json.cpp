// Builds a PipelineTokenizer from a Hugging Face tokenizer.json (stage builders: build_*.cpp).
#include <climits>
#include <filesystem>

#include "core/json_error.h"
#include "core/mapped_file.h"
#include "tokenizers/build_stages.h"
#include "tokenizers/json_fields.h"
#include "tokenizers/pipeline_tokenizer.h"

namespace lq {
namespace tok {
namespace {

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

namespace {

std::unique_ptr<Tokenizer> build_tokenizer(const std::string& tokenizer_json_path, const tok::Json& root) {
  using namespace tok;
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
  // Tokens with normalized=true are matched in normalized text, so their contents are
  // normalized too (as tokenizers does when it adds them).
  stages.added_tokens = AddedTokens(read_added_tokens(stage("added_tokens"), top.at("added_tokens"), *stages.model),
                                    stages.normalizer.get());
  return std::make_unique<PipelineTokenizer>(std::move(stages));
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& tokenizer_json_path) {
  using namespace tok;
  std::error_code ec;
  if (const auto size = std::filesystem::file_size(tokenizer_json_path, ec); !ec && size > kMaxTokenizerJsonBytes)
    fail(tokenizer_json_path, "is " + std::to_string(size >> 20) + " MB; the largest real tokenizer.json files are "
                              "about 35 MB, and langquant refuses files over " +
                              std::to_string(kMaxTokenizerJsonBytes >> 20) + " MB rather than spend gigabytes "
                              "of memory on one");
  const std::string text = read_file(tokenizer_json_path);
  Json root;
  // Any nlohmann exception (a number like 1e999 is out_of_range, not a parse_error) names the file.
  try {
    root = Json::parse(text);
  } catch (const Json::exception& e) {
    fail(tokenizer_json_path, "not valid JSON: " + json_problem(e));
  }
  try {
    return build_tokenizer(tokenizer_json_path, root);
  } catch (const Json::exception& e) {  // a field the stage builders did not check by hand
    fail(tokenizer_json_path, "unexpected content: " + json_problem(e));
  }
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
