// The tokenizer every other stage uses: built from a Hugging Face tokenizer.json, producing
// exactly the ids the Hugging Face `tokenizers` library produces.
//
// Invalid UTF-8 input: every ill-formed subsequence is replaced by U+FFFD before tokenizing,
// with Python's bytes.decode("utf-8", errors="replace") rule (maximal subparts), so that
// bytes -> str -> tokenizers in Python gives the same ids.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lq {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Ids for text. add_special_tokens applies the post-processor (e.g. BERT's [CLS] ... [SEP]),
  // as tokenizers' encode(text, add_special_tokens=...) does.
  virtual std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = false) const = 0;
  virtual std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const = 0;

  // The vocabulary string of a token (e.g. "Ġthe" for GPT-2).
  virtual std::string token_text(int32_t id) const = 0;
  // The exact UTF-8 bytes the token stands for in the text (e.g. " the"); used to count the
  // bytes and characters of scored tokens. Empty for special tokens.
  virtual std::string token_bytes(int32_t id) const = 0;
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  virtual size_t vocab_size() const = 0;
};

// Loads tokenizer.json; throws lq::Error naming the file and the unsupported or malformed part.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& tokenizer_json_path);
// The tokenizer.json of a checkpoint folder, or the path itself when it is a file; throws
// lq::Error naming the path when there is none.
std::string find_tokenizer_json(const std::string& dir_or_file);

}  // namespace lq
