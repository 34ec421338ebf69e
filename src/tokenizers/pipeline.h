// The five stages of a Hugging Face tokenizer, as tokenizers defines them:
//   normalizer -> pre-tokenizer -> model -> post-processor   (encode)
//   ids -> tokens -> decoder                                  (decode)
// Added tokens are cut out of the text before the normalizer and never reach the other
// stages. Each concrete stage lives in its own file and is built from tokenizer.json by
// tokenizer_json.cpp; a missing stage (JSON null) is a null pointer.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lq::tok {

// Rewrites text (lowercasing, Unicode normalization, ...). Offsets are not tracked: langquant
// only needs ids.
class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string& text) const = 0;
};

// The words a pre-tokenizer hands to the model. Each stage may split and rewrite every piece,
// so stages compose (issue 4's Sequence pre-tokenizer simply runs them in turn).
using Pieces = std::vector<std::string>;

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // first_at_start: whether pieces[0] begins at offset 0 of the original text, which
  // Metaspace's prepend_scheme "first" asks; a stage that removes text before the first piece
  // clears it.
  virtual void pre_tokenize(Pieces& pieces, bool& first_at_start) const = 0;
  void pre_tokenize(Pieces& pieces) const {
    bool first_at_start = true;
    pre_tokenize(pieces, first_at_start);
  }
};

// Turns one pre-tokenized word into ids (appended to ids).
class Model {
 public:
  virtual ~Model() = default;
  virtual void tokenize(std::string_view word, std::vector<int32_t>& ids) const = 0;
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(int32_t id) const = 0;
  virtual size_t vocab_size() const = 0;
};

// Adds the special tokens of a template (e.g. BERT's [CLS] ... [SEP]) when asked to.
class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual void process(std::vector<int32_t>& ids, bool add_special_tokens) const = 0;
};

// Turns token strings back into text. decode_chain rewrites the token list (tokenizers'
// decode_chain); the tokenizer joins what is left.
class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
  // The text bytes one vocabulary token stands for, on its own (not a tokenizers API: used
  // to count bytes and characters per token). By default the token string itself.
  virtual std::string token_bytes(std::string_view token) const { return std::string(token); }
};

}  // namespace lq::tok
