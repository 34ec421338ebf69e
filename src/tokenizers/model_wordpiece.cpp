#include "tokenizers/model_wordpiece.h"

#include <algorithm>

#include "core/error.h"

namespace lq::tok {
namespace {

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

}  // namespace

WordPieceModel::WordPieceModel(WordPieceConfig config, const std::string& where) : config_(std::move(config)) {
  auto unk = config_.vocab.find(config_.unk_token);
  if (unk == config_.vocab.end()) fail(where, "WordPiece unk_token '" + config_.unk_token + "' is not in the vocab");
  unk_id_ = unk->second;
  for (const auto& [token, id] : config_.vocab) {
    id_to_token_.emplace(id, token);
    longest_token_bytes_ = std::max(longest_token_bytes_, token.size());
  }
}

void WordPieceModel::tokenize(std::string_view word, std::vector<int32_t>& ids) const {
  if (word.empty()) return;
  size_t chars = 0;
  for (const char c : word) chars += !is_continuation_byte(c);
  if (chars > config_.max_input_chars_per_word) {
    ids.push_back(unk_id_);
    return;
  }
  const size_t first = ids.size();
  std::string candidate;
  for (size_t start = 0; start < word.size();) {
    // Longest first: [start, end) shrinks one character at a time.
    size_t end = std::min(word.size(), start + longest_token_bytes_);
    while (end < word.size() && is_continuation_byte(word[end])) --end;
    bool found = false;
    while (end > start) {
      candidate.assign(start > 0 ? config_.continuing_subword_prefix : "");
      candidate.append(word.substr(start, end - start));
      if (auto it = config_.vocab.find(candidate); it != config_.vocab.end()) {
        ids.push_back(it->second);
        found = true;
        break;
      }
      do --end; while (end > start && is_continuation_byte(word[end]));
    }
    if (!found) {
      ids.resize(first);
      ids.push_back(unk_id_);
      return;
    }
    start = end;
  }
}

std::optional<int32_t> WordPieceModel::token_to_id(std::string_view token) const {
  auto it = config_.vocab.find(token);
  if (it == config_.vocab.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> WordPieceModel::id_to_token(int32_t id) const {
  auto it = id_to_token_.find(id);
  if (it == id_to_token_.end()) return std::nullopt;
  return it->second;
}

}  // namespace lq::tok
