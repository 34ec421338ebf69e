// Test tool for tests/oracle/test_gguf_tokenizer.py: builds the tokenizer of a GGUF vocabulary
// from a JSON dump of its tokenizer.ggml.* metadata (written by the test with gguf.GGUFReader,
// so this does not depend on langquant's GGUF reader) and tokenizes texts with it.
//
//   lq_gguf_tokenize DUMP.json --lines FILE    one text per line (without the "\n")
//   lq_gguf_tokenize DUMP.json --jsonl FILE    one JSON string per line (texts with newlines)
//     [--bos]        add the special tokens (BOS/EOS) the vocabulary asks for
//     [--decode]     also print the decoded text (special tokens skipped and kept)
//   lq_gguf_tokenize DUMP.json --write-json OUT   write the equivalent tokenizer.json
//
// Output: one JSON object per text, {"ids": [...]} (+ "text", "text_special" with --decode).
// The time spent building and tokenizing goes to stderr.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tokenizers/gguf_vocab.h"

namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

lq::GgufVocab vocab_from_dump(const std::string& path) {
  std::ifstream in(path);
  if (!in) lq::fail(path, "cannot open");
  const Json j = Json::parse(in);
  lq::GgufVocab v;
  v.source = path;
  auto has = [&](const char* key) { return j.contains(key) && !j[key].is_null(); };
  v.model = j.at("tokenizer.ggml.model").get<std::string>();
  if (has("tokenizer.ggml.pre")) v.pre = j["tokenizer.ggml.pre"].get<std::string>();
  v.tokens = j.at("tokenizer.ggml.tokens").get<std::vector<std::string>>();
  if (has("tokenizer.ggml.scores")) v.scores = j["tokenizer.ggml.scores"].get<std::vector<float>>();
  if (has("tokenizer.ggml.token_type")) v.token_types = j["tokenizer.ggml.token_type"].get<std::vector<int32_t>>();
  if (has("tokenizer.ggml.merges")) v.merges = j["tokenizer.ggml.merges"].get<std::vector<std::string>>();
  auto id = [&](const char* key) -> std::optional<int32_t> {
    if (!has(key)) return std::nullopt;
    return j[key].get<int32_t>();
  };
  auto flag = [&](const char* key) -> std::optional<bool> {
    if (!has(key)) return std::nullopt;
    return j[key].get<bool>();
  };
  v.bos_id = id("tokenizer.ggml.bos_token_id");
  v.eos_id = id("tokenizer.ggml.eos_token_id");
  v.unk_id = id("tokenizer.ggml.unknown_token_id");
  v.pad_id = id("tokenizer.ggml.padding_token_id");
  v.sep_id = id("tokenizer.ggml.seperator_token_id");
  v.add_bos = flag("tokenizer.ggml.add_bos_token");
  v.add_eos = flag("tokenizer.ggml.add_eos_token");
  v.add_space_prefix = flag("tokenizer.ggml.add_space_prefix");
  return v;
}

std::vector<std::string> read_texts(const std::string& path, bool jsonl) {
  std::ifstream in(path, std::ios::binary);
  if (!in) lq::fail(path, "cannot open");
  std::vector<std::string> texts;
  std::string line;
  while (std::getline(in, line)) texts.push_back(jsonl ? Json::parse(line).get<std::string>() : line);
  return texts;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 3) {
    std::cerr << "usage: lq_gguf_tokenize DUMP.json (--lines F | --jsonl F | --write-json OUT) [--bos] [--decode]\n";
    return 2;
  }
  const std::vector<std::string> args(argv + 1, argv + argc);
  std::string texts_path, write_path;
  bool jsonl = false, bos = false, decode = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if ((args[i] == "--lines" || args[i] == "--jsonl") && i + 1 < args.size()) {
      jsonl = args[i] == "--jsonl";
      texts_path = args[++i];
    } else if (args[i] == "--write-json" && i + 1 < args.size()) {
      write_path = args[++i];
    } else if (args[i] == "--bos") {
      bos = true;
    } else if (args[i] == "--decode") {
      decode = true;
    } else {
      std::cerr << "lq_gguf_tokenize: unknown argument " << args[i] << "\n";
      return 2;
    }
  }
  const lq::GgufVocab vocab = vocab_from_dump(args[0]);
  if (!write_path.empty()) {
    const auto start = Clock::now();
    const Json j = lq::tokenizer_json_from_gguf(vocab);
    std::ofstream(write_path) << j.dump();
    std::fprintf(stderr, "tokenizer.json written in %.3f s\n", seconds_since(start));
  }
  if (texts_path.empty()) return 0;

  auto start = Clock::now();
  const auto tokenizer = lq::tokenizer_from_gguf(vocab);
  std::fprintf(stderr, "tokenizer built in %.3f s\n", seconds_since(start));
  const std::vector<std::string> texts = read_texts(texts_path, jsonl);
  start = Clock::now();
  std::vector<std::vector<int32_t>> ids(texts.size());
  size_t n_ids = 0, n_bytes = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    ids[i] = tokenizer->encode(texts[i], bos);
    n_ids += ids[i].size();
    n_bytes += texts[i].size();
  }
  const double took = seconds_since(start);
  std::fprintf(stderr, "encoded %zu texts (%zu bytes, %zu tokens) in %.3f s: %.2f MB/s\n", texts.size(), n_bytes,
               n_ids, took, n_bytes / 1e6 / (took > 0 ? took : 1e-9));
  for (size_t i = 0; i < texts.size(); ++i) {
    Json out = {{"ids", ids[i]}};
    if (decode) {
      out["text"] = tokenizer->decode(ids[i], /*skip_special_tokens=*/true);
      out["text_special"] = tokenizer->decode(ids[i], /*skip_special_tokens=*/false);
    }
    std::cout << out.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << e.what() << "\n";
  return 1;
}
