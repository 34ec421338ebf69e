#include "tokenizers/model_unigram.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "core/error.h"

namespace lq::tok {
namespace {

// tokenizers' penalty below the lowest piece score for a character no piece covers.
constexpr double kUnkPenalty = 10.0;

uint64_t edge_key(int32_t node, unsigned char byte) { return (static_cast<uint64_t>(node) << 8) | byte; }

size_t utf8_length(unsigned char lead) { return lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4; }

}  // namespace

UnigramModel::UnigramModel(UnigramConfig config, const std::string& where) : config_(std::move(config)) {
  const auto& vocab = config_.vocab;
  if (config_.unk_id && (*config_.unk_id < 0 || static_cast<size_t>(*config_.unk_id) >= vocab.size())) {
    fail(where, "Unigram unk_id " + std::to_string(*config_.unk_id) + " is outside the vocab");
  }
  size_t total_bytes = 0;
  double min_score = std::numeric_limits<double>::infinity();
  for (const auto& [piece, score] : vocab) {
    total_bytes += piece.size();
    min_score = std::min(min_score, score);
  }
  unk_score_ = min_score - kUnkPenalty;
  edges_ = PairMap<int32_t>(total_bytes + 1);
  node_token_.assign(1, -1);
  for (size_t id = 0; id < vocab.size(); ++id) {
    const std::string& piece = vocab[id].first;
    token_to_id_[piece] = static_cast<int32_t>(id);  // a repeated piece keeps the last id
    if (piece.empty()) continue;
    int32_t node = 0;
    for (const char c : piece) {
      int32_t next = child(node, static_cast<unsigned char>(c));
      if (next < 0) {
        next = static_cast<int32_t>(node_token_.size());
        node_token_.push_back(-1);
        edges_.set(edge_key(node, static_cast<unsigned char>(c)), next);
      }
      node = next;
    }
    node_token_[node] = static_cast<int32_t>(id);
  }
  // The trie answers with the id the piece string maps to, as tokenizers' lookup does.
  for (int32_t& token : node_token_) {
    if (token >= 0) token = token_to_id_[vocab[token].first];
  }
}

int32_t UnigramModel::child(int32_t node, unsigned char byte) const {
  const int32_t* next = edges_.find(edge_key(node, byte));
  return next ? *next : -1;
}

void UnigramModel::best_path(std::string_view word, std::vector<std::pair<size_t, size_t>>& pieces,
                             std::vector<bool>& is_unk) const {
  struct Best {
    double score = 0;
    int32_t start = -1;  // -1: no path ends here yet
    int32_t id = -1;
  };
  thread_local std::vector<Best> best;
  best.assign(word.size() + 1, Best{});
  best[0].start = 0;
  for (size_t start = 0; start < word.size();) {
    const double base = best[start].score;
    const size_t char_len = std::min(utf8_length(static_cast<unsigned char>(word[start])), word.size() - start);
    bool single_char_piece = false;
    // Pieces starting here, shortest first; only a strictly better score replaces a path.
    int32_t node = 0;
    for (size_t end = start; end < word.size();) {
      node = child(node, static_cast<unsigned char>(word[end++]));
      if (node < 0) break;
      const int32_t id = node_token_[node];
      if (id < 0) continue;
      Best& target = best[end];
      const double score = base + config_.vocab[id].second;
      if (target.start < 0 || score > target.score) target = Best{score, static_cast<int32_t>(start), id};
      if (end - start == char_len) single_char_piece = true;
    }
    if (!single_char_piece) {
      if (!config_.unk_id) fail("Unigram model", "text needs the unk token but the model has no unk_id");
      Best& target = best[start + char_len];
      const double score = base + unk_score_;
      if (target.start < 0 || score > target.score) target = Best{score, static_cast<int32_t>(start), *config_.unk_id};
    }
    start += char_len;
  }
  // Walk back from the end; runs of unk nodes become one piece.
  pieces.clear();
  is_unk.clear();
  for (size_t end = word.size(); end > 0;) {
    const Best& node = best[end];
    const auto start = static_cast<size_t>(node.start);
    const bool unk = config_.unk_id && node.id == *config_.unk_id;
    if (unk && !is_unk.empty() && is_unk.back()) {
      pieces.back().first = start;
    } else {
      pieces.emplace_back(start, end);
      is_unk.push_back(unk);
    }
    end = start;
  }
  std::reverse(pieces.begin(), pieces.end());
  std::reverse(is_unk.begin(), is_unk.end());
}

void UnigramModel::tokenize(std::string_view word, std::vector<int32_t>& ids) const {
  if (word.empty()) return;
  thread_local std::vector<std::pair<size_t, size_t>> pieces;
  thread_local std::vector<bool> is_unk;
  best_path(word, pieces, is_unk);
  for (const auto& [start, end] : pieces) {
    const std::string_view piece = word.substr(start, end - start);
    if (auto id = token_to_id(piece)) {
      ids.push_back(*id);
      continue;
    }
    if (config_.byte_fallback) {
      const size_t first = ids.size();
      bool all_bytes = true;
      for (const char byte : piece) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", static_cast<unsigned char>(byte));
        auto it = token_to_id_.find(std::string_view(name));
        if (it == token_to_id_.end()) {
          all_bytes = false;
          break;
        }
        ids.push_back(it->second);
      }
      if (all_bytes) continue;
      ids.resize(first);
    }
    if (!config_.unk_id) fail("Unigram model", "text needs the unk token but the model has no unk_id");
    ids.push_back(*config_.unk_id);
  }
}

std::optional<int32_t> UnigramModel::token_to_id(std::string_view token) const {
  auto it = token_to_id_.find(token);
  if (it == token_to_id_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> UnigramModel::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= config_.vocab.size()) return std::nullopt;
  return config_.vocab[id].first;
}

}  // namespace lq::tok
