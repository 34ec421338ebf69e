// Tokens added on top of the model's vocabulary (special ones such as "<|endoftext|>" and
// plain ones). They are cut out of the text before normalization and pre-tokenization, so the
// model never sees them: the longest token starting leftmost wins, as in tokenizers'
// Aho-Corasick LeftmostLongest search. Tokens with normalized=false match the raw text; tokens
// with normalized=true match the normalized remainder.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizers/pipeline.h"
#include "tokenizers/string_map.h"

namespace lq::tok {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool single_word = false;  // match only where no word character touches either end
  bool lstrip = false;       // swallow the whitespace before the token
  bool rstrip = false;       // swallow the whitespace after the token
  bool normalized = true;    // match against the normalized text
  bool special = false;      // skipped by decode(skip_special_tokens=true)
};

// A piece of the input: either an added token (id set) or text still to be tokenized.
struct Segment {
  std::string text;
  std::optional<int32_t> added_token_id;
};

class AddedTokens {
 public:
  AddedTokens() = default;
  // normalizer (may be null) rewrites the contents of tokens with normalized=true into the
  // form they take in normalized text.
  explicit AddedTokens(std::vector<AddedToken> tokens, const Normalizer* normalizer = nullptr);

  // Splits text on the tokens with the given `normalized` flag. Pieces without an id are
  // left to the caller; empty pieces are dropped.
  void split(std::string_view text, bool normalized, std::vector<Segment>& out) const;

  const AddedToken* find_by_id(int32_t id) const;
  std::optional<int32_t> find_by_content(std::string_view content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  // A byte trie over the token contents of one matching set.
  struct Trie {
    struct Node {
      std::map<unsigned char, int32_t> children;
      int32_t token = -1;  // index into tokens_ of the token ending here
    };
    std::vector<Node> nodes{Node{}};
    std::array<bool, 256> first_bytes{};  // bytes some token starts with
    void insert(std::string_view content, int32_t token);
    // Index of the longest token that starts at text[pos] and its length, if any.
    std::optional<std::pair<int32_t, size_t>> longest_at(std::string_view text, size_t pos) const;
  };
  bool accepts_match(const AddedToken& token, std::string_view text, size_t start, size_t end) const;

  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, size_t> index_by_id_;
  StringMap<int32_t> id_by_content_;
  Trie raw_trie_, normalized_trie_;
};

}  // namespace lq::tok
