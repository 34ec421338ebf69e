#include "tokenizers/model_bpe.h"

#include <cstdio>
#include <mutex>
#include <algorithm>

#include "core/error.h"
#include "tokenizers/unicode.h"

namespace lq::tok {

BpeModel::BpeModel(BpeConfig config, const std::string& where) : config_(std::move(config)) {
  const auto& vocab = config_.vocab;
  for (const auto& [token, id] : vocab) id_to_token_.emplace(id, token);
  if (config_.unk_token) {
    if (auto it = vocab.find(*config_.unk_token); it != vocab.end()) unk_id_ = it->second;
  }
  const size_t prefix_len = config_.continuing_subword_prefix.size();
  auto id_of = [&](const std::string& token) {
    auto it = vocab.find(token);
    if (it == vocab.end()) fail(where, "BPE merge uses '" + token + "', which is not in the vocab");
    return it->second;
  };
  merges_ = PairMap<Merge>(config_.merges.size());
  for (size_t rank = 0; rank < config_.merges.size(); ++rank) {
    const auto& [left, right] = config_.merges[rank];
    const int32_t left_id = id_of(left), right_id = id_of(right);
    // The right part loses its continuing-subword prefix when glued on ("a" + "##b" = "ab").
    const int32_t new_id = id_of(left + right.substr(std::min(prefix_len, right.size())));
    // A repeated merge takes the later rank, as tokenizers' map insertion does.
    merges_.set(PairMap<Merge>::key(left_id, right_id), Merge{static_cast<uint32_t>(rank), new_id});
  }
  single_char_ids_.assign(0x10000, -1);
  for (const auto& [token, id] : vocab) {
    size_t i = 0;
    if (token.empty()) continue;
    const char32_t cp = decode_utf8(token, i);
    if (i == token.size() && cp < single_char_ids_.size()) single_char_ids_[cp] = id;
  }
  config_.merges.clear();
  config_.merges.shrink_to_fit();
}

std::optional<int32_t> BpeModel::find_symbol(std::string_view symbol) const {
  if (symbol.size() <= 3) {  // every code point below U+10000
    size_t i = 0;
    const char32_t cp = decode_utf8(symbol, i);
    if (i == symbol.size() && cp < single_char_ids_.size()) {
      if (single_char_ids_[cp] < 0) return std::nullopt;
      return single_char_ids_[cp];
    }
  }
  return token_to_id(symbol);
}

void BpeModel::initial_symbols(std::string_view word, std::vector<int32_t>& symbols) const {
  int32_t pending_unk = -1;  // held back so that consecutive unknowns can fuse; -1: none
  auto flush_unk = [&] {
    if (pending_unk >= 0) symbols.push_back(pending_unk);
    pending_unk = -1;
  };
  const bool decorated = !config_.continuing_subword_prefix.empty() || !config_.end_of_word_suffix.empty();
  std::string decorated_symbol;
  for (size_t start = 0; start < word.size();) {
    size_t end = start + 1;
    while (end < word.size() && (static_cast<unsigned char>(word[end]) & 0xc0) == 0x80) ++end;
    std::string_view symbol = word.substr(start, end - start);
    if (decorated) {
      decorated_symbol.assign(start > 0 ? config_.continuing_subword_prefix : "");
      decorated_symbol.append(symbol);
      if (end == word.size()) decorated_symbol.append(config_.end_of_word_suffix);
      symbol = decorated_symbol;
    }
    start = end;

    if (const auto id = find_symbol(symbol)) {
      flush_unk();
      symbols.push_back(*id);
      continue;
    }
    if (config_.byte_fallback) {
      std::vector<int32_t> byte_ids;
      for (const char byte : symbol) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", static_cast<unsigned char>(byte));
        auto it = config_.vocab.find(std::string_view(name));
        if (it == config_.vocab.end()) break;
        byte_ids.push_back(it->second);
      }
      if (byte_ids.size() == symbol.size()) {
        // tokenizers appends these without first emitting a pending unk; kept for identity.
        symbols.insert(symbols.end(), byte_ids.begin(), byte_ids.end());
        continue;
      }
    }
    if (config_.unk_token) {
      if (!unk_id_) fail("BPE model", "unk_token '" + *config_.unk_token + "' is not in the vocab");
      if (!(pending_unk >= 0 && config_.fuse_unk)) flush_unk();
      pending_unk = *unk_id_;
    }
    // With neither byte fallback nor unk_token, tokenizers drops the character.
  }
  flush_unk();
}

// Applies merges in the order tokenizers does: a min-heap of (rank, position) candidates;
// stale candidates (a side already merged away) are skipped when popped.
void BpeModel::merge_word(std::string_view word, std::vector<int32_t>& ids) const {
  struct Symbol {
    int32_t id;
    int32_t prev, next;  // neighbours in the linked list; -1 at the ends
    bool alive;
  };
  struct Candidate {
    uint32_t rank;
    int32_t pos;
    int32_t new_id;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  // Scratch space reused across words: no allocation per word once warmed up.
  thread_local std::vector<int32_t> initial;
  thread_local std::vector<Symbol> symbols;
  thread_local std::vector<Candidate> heap;
  initial.clear();
  initial_symbols(word, initial);
  const auto n = static_cast<int32_t>(initial.size());
  symbols.resize(initial.size());
  for (int32_t i = 0; i < n; ++i) symbols[i] = Symbol{initial[i], i - 1, i + 1 < n ? i + 1 : -1, true};

  heap.clear();  // a min-heap on (rank, position)
  auto push_candidate = [&](int32_t pos) {
    const int32_t next = symbols[pos].next;
    if (next < 0) return;
    if (const Merge* merge = merges_.find(PairMap<Merge>::key(symbols[pos].id, symbols[next].id))) {
      heap.push_back(Candidate{merge->rank, pos, merge->new_id});
      std::push_heap(heap.begin(), heap.end(), std::greater<>{});
    }
  };
  for (int32_t i = 0; i + 1 < n; ++i) push_candidate(i);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>{});
    const Candidate top = heap.back();
    heap.pop_back();
    Symbol& left = symbols[top.pos];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = symbols[left.next];
    const Merge* merge = merges_.find(PairMap<Merge>::key(left.id, right.id));
    if (!merge || merge->new_id != top.new_id) continue;  // stale
    left.id = top.new_id;
    left.next = right.next;
    right.alive = false;
    if (left.next >= 0) symbols[left.next].prev = top.pos;
    if (left.prev >= 0) push_candidate(left.prev);
    push_candidate(top.pos);
  }

  for (const Symbol& s : symbols) {
    if (s.alive) ids.push_back(s.id);
  }
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& ids) const {
  if (word.empty()) return;
  const bool cacheable = word.size() <= kMaxCachedWordBytes;
  if (cacheable && cache_.lookup(word, ids)) return;
  if (config_.ignore_merges) {
    if (const auto id = token_to_id(word)) {
      ids.push_back(*id);
      return;
    }
  }
  const size_t first = ids.size();
  merge_word(word, ids);
  if (cacheable) cache_.insert(word, ids.data() + first, ids.size() - first);
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  auto it = config_.vocab.find(token);
  if (it == config_.vocab.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> BpeModel::id_to_token(int32_t id) const {
  auto it = id_to_token_.find(id);
  if (it == id_to_token_.end()) return std::nullopt;
  return it->second;
}

}  // namespace lq::tok
