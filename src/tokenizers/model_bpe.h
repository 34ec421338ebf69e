// tokenizers' BPE model: a word starts as one symbol per character (or its byte-fallback
// tokens, or unk) and the lowest-ranked applicable merge is applied, leftmost first, until none
// applies. Results are cached per word.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tokenizers/pair_map.h"
#include "tokenizers/pipeline.h"
#include "tokenizers/string_map.h"
#include "tokenizers/word_cache.h"

namespace lq::tok {

struct BpeConfig {
  StringMap<int32_t> vocab;
  std::vector<std::pair<std::string, std::string>> merges;  // in rank order
  std::optional<std::string> unk_token;
  std::string continuing_subword_prefix;  // put before every symbol but a word's first
  std::string end_of_word_suffix;         // put after a word's last symbol
  bool fuse_unk = false;                  // consecutive unknown characters give one unk
  bool byte_fallback = false;             // unknown characters become <0xXX> byte tokens
  bool ignore_merges = false;             // a word found whole in the vocab is one token
};

class BpeModel final : public Model {
 public:
  // Throws lq::Error (naming `where`) when a merge or the unk token is not in the vocab.
  BpeModel(BpeConfig config, const std::string& where);

  void tokenize(std::string_view word, std::vector<int32_t>& ids) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  std::optional<std::string> id_to_token(int32_t id) const override;
  size_t vocab_size() const override { return config_.vocab.size(); }

 private:
  struct Merge {
    uint32_t rank;
    int32_t new_id;
  };
  // Appends the ids a word starts as (one per character, before any merge) to symbols.
  void initial_symbols(std::string_view word, std::vector<int32_t>& symbols) const;
  // Appends the word's ids after all merges.
  void merge_word(std::string_view word, std::vector<int32_t>& ids) const;
  std::optional<int32_t> find_symbol(std::string_view symbol) const;

  BpeConfig config_;
  std::optional<int32_t> unk_id_;
  PairMap<Merge> merges_;
  std::unordered_map<int32_t, std::string> id_to_token_;

  // Ids of single characters below U+10000 (-1: not in the vocab), so that most initial
  // symbols need no string hashing.
  std::vector<int32_t> single_char_ids_;

  // Words already merged. Limited to short words: frequent words are short, and a smaller
  // table stays in the CPU cache.
  static constexpr size_t kCacheCapacity = 1 << 17;
  static constexpr size_t kMaxCachedWordBytes = 64;
  mutable WordCache cache_{kCacheCapacity};
};

}  // namespace lq::tok
