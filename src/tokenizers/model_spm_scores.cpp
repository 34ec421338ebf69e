#include "tokenizers/model_spm_scores.h"

#include <queue>

#include "core/error.h"

namespace lq::tok {
namespace {

// Bytes of the UTF-8 sequence a lead byte starts (1 for a stray continuation byte), as
// llama.cpp counts them; the caller clips at the end of the text.
size_t sequence_length(unsigned char lead) {
  static constexpr unsigned char kByHighNibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kByHighNibble[lead >> 4];
}

struct Symbol {
  int prev, next;
  size_t start, size;  // size 0: merged into the symbol on its left
};

struct Bigram {
  float score;
  int left, right;
  size_t size;  // bytes of the merged text, to recognise a bigram made stale by another merge
};

// Highest score on top; on equal scores the leftmost pair.
struct LowerPriority {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

SpmScoresModel::SpmScoresModel(std::vector<std::string> tokens, std::vector<float> scores,
                               std::optional<int32_t> unk_id, const std::string& where)
    : tokens_(std::move(tokens)), scores_(std::move(scores)), where_(where) {
  if (scores_.empty()) scores_.assign(tokens_.size(), 0.0f);
  if (scores_.size() != tokens_.size()) fail(where, "scores and tokens differ in number");
  ids_.reserve(tokens_.size());
  for (size_t id = 0; id < tokens_.size(); ++id) {
    if (!ids_.emplace(tokens_[id], static_cast<int32_t>(id)).second) {
      fail(where, "token '" + tokens_[id] + "' appears twice in the vocabulary");
    }
  }
  static const char* kHex = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    const std::string hex = std::string("<0x") + kHex[b >> 4] + kHex[b & 15] + ">";
    std::optional<int32_t> id = token_to_id(hex);
    if (!id) id = token_to_id(std::string(1, static_cast<char>(b)));
    if (!id) id = unk_id;
    byte_ids_[b] = id.value_or(-1);
  }
}

std::optional<int32_t> SpmScoresModel::token_to_id(std::string_view token) const {
  auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> SpmScoresModel::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= tokens_.size()) return std::nullopt;
  return tokens_[id];
}

void SpmScoresModel::push_byte(unsigned char byte, std::vector<int32_t>& ids) const {
  // llama.cpp stops with an exception here; a vocabulary without byte tokens and without
  // unk cannot stand for this text at all.
  if (byte_ids_[byte] < 0) fail(where_, "no byte token <0x..> and no unknown token for a byte of the text");
  ids.push_back(byte_ids_[byte]);
}

void SpmScoresModel::tokenize(std::string_view text, std::vector<int32_t>& ids) const {
  std::vector<Symbol> symbols;
  symbols.reserve(text.size());
  for (size_t offset = 0; offset < text.size();) {
    const size_t size = std::min(sequence_length(static_cast<unsigned char>(text[offset])), text.size() - offset);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back(Symbol{index - 1, offset + size == text.size() ? -1 : index + 1, offset, size});
    offset += size;
  }
  if (symbols.empty()) return;

  std::priority_queue<Bigram, std::vector<Bigram>, LowerPriority> queue;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const size_t size = symbols[left].size + symbols[right].size;
    auto it = ids_.find(text.substr(symbols[left].start, size));
    if (it == ids_.end()) return;
    queue.push(Bigram{scores_[it->second], left, right, size});
  };
  for (int i = 1; i < static_cast<int>(symbols.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    const Bigram bigram = queue.top();
    queue.pop();
    Symbol& left = symbols[bigram.left];
    Symbol& right = symbols[bigram.right];
    if (left.size == 0 || right.size == 0 || left.size + right.size != bigram.size) continue;  // stale
    left.size += right.size;
    right.size = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = bigram.left;
    try_add(left.prev, bigram.left);
    try_add(bigram.left, left.next);
  }

  // Every merged symbol is a token; a single character that is not one falls back to bytes.
  // (llama.cpp would re-split an unknown symbol along recorded merges, which only a merged
  // symbol can have: unreachable, since the text is valid UTF-8 here.)
  for (int i = 0; i != -1; i = symbols[i].next) {
    const std::string_view piece = text.substr(symbols[i].start, symbols[i].size);
    if (auto it = ids_.find(piece); it != ids_.end()) {
      ids.push_back(it->second);
    } else {
      for (const char byte : piece) push_byte(static_cast<unsigned char>(byte), ids);
    }
  }
}

}  // namespace lq::tok
