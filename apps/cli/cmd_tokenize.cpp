// langquant tokenize: runs a checkpoint's tokenizer on text, one output line per input line,
// so that its ids can be compared line by line with Hugging Face tokenizers.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"
#include "core/mapped_file.h"
#include "model/checkpoint.h"

namespace lq::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string file;
  std::string text;
  bool tokens = false;
  bool decode = false;
  bool add_special_tokens = false;
  bool skip_special_tokens = false;
};

// Input lines: split on '\n' only ('\r' stays in the line); a final '\n' ends the last line
// rather than starting an empty one.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::vector<int32_t> parse_ids(std::string_view line, const std::string& where) {
  std::vector<int32_t> ids;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i == line.size()) break;
    size_t end = i;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != '\r') ++end;
    const std::string word(line.substr(i, end - i));
    try {
      size_t used = 0;
      const long id = std::stol(word, &used);
      if (used != word.size() || id < 0 || id > INT32_MAX) throw std::invalid_argument(word);
      ids.push_back(static_cast<int32_t>(id));
    } catch (const std::exception&) {
      fail(where, "'" + word + "' is not a token id");
    }
    i = end;
  }
  return ids;
}

void append_line(const Tokenizer& tokenizer, const TokenizeOptions& opts, std::string_view line,
                 const std::string& where, std::string& out) {
  if (opts.decode) {
    out += tokenizer.decode(parse_ids(line, where), opts.skip_special_tokens);
  } else {
    const std::vector<int32_t> ids = tokenizer.encode(line, opts.add_special_tokens);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i) out += ' ';
      out += opts.tokens ? tokenizer.token_text(ids[i]) : std::to_string(ids[i]);
    }
  }
  out += '\n';
}

void write_stdout(std::string& out) {
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) fail("stdout", "write failed");
  out.clear();
}

void run_tokenize(const TokenizeOptions& opts) {
  const auto tokenizer = open_tokenizer_at(opts.model);
  std::string out;
  if (opts.file.empty()) {
    append_line(*tokenizer, opts, opts.text, "--text", out);
  } else {
    const std::string content = read_file(opts.file);
    const auto lines = split_lines(content);
    for (size_t n = 0; n < lines.size(); ++n) {
      append_line(*tokenizer, opts, lines[n], opts.file + ":" + std::to_string(n + 1), out);
      if (out.size() > (1 << 20)) write_stdout(out);
    }
  }
  write_stdout(out);
  std::fflush(stdout);
}

}  // namespace

void register_tokenize(CLI::App& app) {
  auto opts = std::make_shared<TokenizeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "tokenize",
      "Tokenize text with a checkpoint's tokenizer.json, giving exactly the ids of Hugging Face\n"
      "tokenizers' encode(text, add_special_tokens=False) (True with --add-special-tokens).\n"
      "With --file, prints one line of space-separated ids per input line (lines are split on\n"
      "'\\n' only; '\\r' stays part of the line; an empty line prints an empty line). With\n"
      "--text, tokenizes the whole string, newlines included, and prints one line.\n"
      "Invalid UTF-8 is repaired first the way Python's bytes.decode('utf-8', errors='replace')\n"
      "does: each maximal ill-formed subsequence becomes one U+FFFD.\n"
      "Supported: BPE, WordPiece and Unigram models with the normalizers, pre-tokenizers,\n"
      "post-processors and decoders of GPT-2, Llama, Mistral, Qwen2, BLOOM, BERT, mT5/XGLM-style\n"
      "files (see src/tokenizers/README.md); any other stage type, e.g. the Precompiled\n"
      "normalizer, is an error naming it.");
  cmd->add_option("--model,-m", opts->model,
                  "Checkpoint folder holding tokenizer.json, or the tokenizer.json file itself")
      ->required();
  auto* file = cmd->add_option("--file,-f", opts->file, "Text file to tokenize line by line");
  auto* text = cmd->add_option("--text", opts->text, "One string to tokenize");
  file->excludes(text);
  text->excludes(file);
  cmd->add_flag("--tokens", opts->tokens, "Print the vocabulary strings of the tokens (e.g. 'Ġthe') instead of ids");
  cmd->add_flag("--decode", opts->decode,
                "Reverse direction: read lines of space-separated ids and print the decoded text "
                "(decoded text containing '\\n' spans several output lines)");
  cmd->add_flag("--add-special-tokens", opts->add_special_tokens,
                "Apply the post-processor's special tokens, as encode(add_special_tokens=True)");
  cmd->add_flag("--skip-special-tokens", opts->skip_special_tokens,
                "With --decode: leave out special tokens, as decode(skip_special_tokens=True)");
  cmd->callback([opts, file, text] {
    if (file->count() == 0 && text->count() == 0) fail("tokenize", "give --file or --text");
    if (opts->decode && opts->tokens) fail("tokenize", "--tokens and --decode exclude each other");
    run_tokenize(*opts);
  });
}

}  // namespace lq::cli
