#include "tokenizers/bpe_trainer.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/utf8.h"
#include "tokenizers/byte_level_alphabet.h"
#include "tokenizers/pre_tokenizer_byte_level.h"

namespace lq {
namespace {

using Pair = std::pair<uint32_t, uint32_t>;
uint64_t key(Pair p) { return (uint64_t{p.first} << 32) | p.second; }
Pair unkey(uint64_t k) { return {static_cast<uint32_t>(k >> 32), static_cast<uint32_t>(k)}; }

// A candidate merge in the queue: the pair, its count when queued (checked against the live
// count when popped), and the words that held it then, in increasing index order.
struct Candidate {
  int64_t count;
  Pair pair;
  std::vector<uint32_t> words;
};
// Max-heap order: higher count first, then the smaller pair.
struct Lower {
  bool operator()(const Candidate& a, const Candidate& b) const {
    if (a.count != b.count) return a.count < b.count;
    return a.pair > b.pair;
  }
};

// Pair -> words where it (newly) occurs, each word index appended once.
using WhereMap = std::unordered_map<uint64_t, std::vector<uint32_t>>;
void note_word(WhereMap& where, uint64_t k, uint32_t w) {
  auto& list = where[k];
  if (list.empty() || list.back() != w) list.push_back(w);
}

// Replaces every non-overlapping occurrence of (a, b) in word, leftmost first, by merged and
// reports each changed neighbour pair with +1 / -1 (the merged pair itself is not reported).
void merge_word(std::vector<uint32_t>& s, Pair p, uint32_t merged,
                std::vector<std::pair<uint64_t, int>>& changes) {
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != p.first || s[i + 1] != p.second) continue;
    if (i > 0) {
      changes.push_back({key({s[i - 1], p.first}), -1});
      changes.push_back({key({s[i - 1], merged}), +1});
    }
    s[i] = merged;
    s.erase(s.begin() + static_cast<ptrdiff_t>(i) + 1);
    if (i + 1 < s.size()) {
      changes.push_back({key({p.second, s[i + 1]}), -1});
      changes.push_back({key({merged, s[i + 1]}), +1});
    }
  }
}

// Word -> count over all texts, words in the byte alphabet.
std::unordered_map<std::string, int64_t> count_words(const std::vector<std::string>& texts) {
  const tok::ByteLevelPreTokenizer pre(/*add_prefix_space=*/false, /*use_regex=*/true, "bpe trainer");
  std::unordered_map<std::string, int64_t> counts;
  tok::Pieces pieces;
  for (size_t t = 0; t < texts.size(); ++t) {
    const size_t bad = utf8_first_invalid(texts[t]);
    if (bad != std::string::npos)
      fail("training text " + std::to_string(t + 1), "invalid UTF-8 at byte " + std::to_string(bad));
    pieces.assign(1, texts[t]);
    pre.pre_tokenize(pieces);
    for (std::string& w : pieces) ++counts[std::move(w)];
  }
  return counts;
}

void check_options(const BpeTrainerOptions& opt) {
  std::unordered_set<std::string> seen;
  for (const auto& s : opt.special_tokens) {
    if (s.empty()) fail("bpe trainer", "empty special token");
    if (!seen.insert(s).second) fail("bpe trainer", "special token '" + s + "' given twice");
    if (utf8_first_invalid(s) != std::string::npos) fail("bpe trainer", "special token is not valid UTF-8");
  }
  const int min_vocab = static_cast<int>(opt.special_tokens.size()) + 256;
  if (opt.vocab_size < min_vocab)
    fail("bpe trainer", "vocab_size " + std::to_string(opt.vocab_size) + " is below " +
                            std::to_string(min_vocab) + " (special tokens + 256 byte characters)");
  if (opt.min_frequency < 0) fail("bpe trainer", "min_frequency must be >= 0");
}

nlohmann::json tokenizer_json(const BpeTrainerOptions& opt, const std::vector<std::string>& id_to_token,
                              const std::vector<Pair>& merges) {
  using J = nlohmann::json;
  J added = J::array();
  for (size_t i = 0; i < opt.special_tokens.size(); ++i)
    added.push_back({{"id", i}, {"content", opt.special_tokens[i]}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", true}});
  J vocab = J::object();
  for (size_t id = 0; id < id_to_token.size(); ++id) vocab[id_to_token[id]] = id;
  J merge_list = J::array();
  for (const Pair& p : merges) merge_list.push_back(J::array({id_to_token[p.first], id_to_token[p.second]}));
  auto byte_level = [](bool prefix, bool trim) {
    return J{{"type", "ByteLevel"}, {"add_prefix_space", prefix}, {"trim_offsets", trim}, {"use_regex", true}};
  };
  return J{{"version", "1.0"},
           {"truncation", nullptr},
           {"padding", nullptr},
           {"added_tokens", added},
           {"normalizer", nullptr},
           {"pre_tokenizer", byte_level(false, true)},
           {"post_processor", byte_level(true, false)},
           {"decoder", byte_level(true, true)},
           {"model",
            {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr},
             {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr}, {"fuse_unk", false},
             {"byte_fallback", false}, {"ignore_merges", false}, {"vocab", vocab}, {"merges", merge_list}}}};
}

}  // namespace

nlohmann::json train_byte_level_bpe(const std::vector<std::string>& texts, const BpeTrainerOptions& opt) {
  check_options(opt);

  // Vocabulary: special tokens, then the byte alphabet by code point.
  std::vector<std::string> id_to_token(opt.special_tokens);
  std::unordered_map<std::string, uint32_t> token_to_id;
  for (size_t i = 0; i < id_to_token.size(); ++i) token_to_id[id_to_token[i]] = static_cast<uint32_t>(i);
  std::vector<std::pair<char32_t, std::string>> alphabet;
  for (int b = 0; b < 256; ++b) {
    const auto byte = static_cast<uint8_t>(b);
    alphabet.emplace_back(tok::byte_to_code_point(byte), std::string(tok::byte_to_utf8(byte)));
  }
  std::sort(alphabet.begin(), alphabet.end());
  for (const auto& [cp, s] : alphabet) {
    if (token_to_id.emplace(s, id_to_token.size()).second) id_to_token.push_back(s);
  }
  uint32_t byte_id[256];  // raw byte -> id of its character
  for (int b = 0; b < 256; ++b) byte_id[b] = token_to_id.at(std::string(tok::byte_to_utf8(static_cast<uint8_t>(b))));

  // Words as symbol ids, sorted so that runs are reproducible (the result does not depend on
  // the order; only the rare repeated-pair quirk could).
  const auto word_counts = count_words(texts);
  std::vector<std::pair<std::string, int64_t>> sorted(word_counts.begin(), word_counts.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::vector<uint32_t>> words(sorted.size());
  std::vector<int64_t> counts(sorted.size());
  for (size_t w = 0; w < sorted.size(); ++w) {
    const auto bytes = tok::bytes_from_byte_level(sorted[w].first);  // always in the alphabet
    for (const char c : *bytes) words[w].push_back(byte_id[static_cast<uint8_t>(c)]);
    counts[w] = sorted[w].second;
  }

  std::unordered_map<uint64_t, int64_t> pair_count;
  WhereMap where;
  for (uint32_t w = 0; w < words.size(); ++w) {
    for (size_t i = 0; i + 1 < words[w].size(); ++i) {
      const uint64_t k = key({words[w][i], words[w][i + 1]});
      pair_count[k] += counts[w];
      note_word(where, k, w);
    }
  }
  std::priority_queue<Candidate, std::vector<Candidate>, Lower> queue;
  auto flush = [&] {
    for (auto& [k, list] : where) {
      const int64_t c = pair_count[k];
      if (c > 0) queue.push({c, unkey(k), std::move(list)});
    }
    where.clear();
  };
  flush();

  std::vector<Pair> merges;
  std::vector<std::pair<uint64_t, int>> changes;
  while (id_to_token.size() < static_cast<size_t>(opt.vocab_size) && !queue.empty()) {
    Candidate top = queue.top();
    queue.pop();
    const int64_t live = pair_count[key(top.pair)];
    if (top.count != live) {  // stale: requeue at its live count
      top.count = live;
      queue.push(std::move(top));
      continue;
    }
    if (top.count < 1 || top.count < opt.min_frequency) break;

    const std::string merged_text = id_to_token[top.pair.first] + id_to_token[top.pair.second];
    auto [it, fresh] = token_to_id.emplace(merged_text, id_to_token.size());
    if (fresh) id_to_token.push_back(merged_text);
    const uint32_t merged = it->second;
    merges.push_back(top.pair);

    for (const uint32_t w : top.words) {
      changes.clear();
      merge_word(words[w], top.pair, merged, changes);
      for (const auto& [k, d] : changes) {
        pair_count[k] += d * counts[w];
        if (d > 0) note_word(where, k, w);
      }
    }
    flush();
  }

  // A pair chosen twice keeps its later position (see the header).
  std::vector<Pair> unique_merges;
  std::unordered_map<uint64_t, size_t> last;
  for (size_t i = 0; i < merges.size(); ++i) last[key(merges[i])] = i;
  for (size_t i = 0; i < merges.size(); ++i)
    if (last[key(merges[i])] == i) unique_merges.push_back(merges[i]);
  return tokenizer_json(opt, id_to_token, unique_merges);
}

}  // namespace lq
