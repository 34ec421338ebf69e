#include "tokenizers/added_tokens.h"

#include <algorithm>

#include "tokenizers/unicode.h"

namespace lq::tok {
namespace {

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

// The last code point of text[0, end) (end > 0).
char32_t code_point_before(std::string_view text, size_t end) {
  size_t start = end - 1;
  while (start > 0 && is_continuation_byte(text[start])) --start;
  return decode_utf8(text, start);
}

}  // namespace

void AddedTokens::Trie::insert(std::string_view content, int32_t token) {
  first_bytes[static_cast<unsigned char>(content.front())] = true;
  int32_t node = 0;
  for (const char c : content) {
    const auto byte = static_cast<unsigned char>(c);
    auto it = nodes[node].children.find(byte);
    if (it == nodes[node].children.end()) {
      nodes.emplace_back();
      it = nodes[node].children.emplace(byte, static_cast<int32_t>(nodes.size() - 1)).first;
    }
    node = it->second;
  }
  // With duplicate contents the first token keeps the pattern, as in Aho-Corasick.
  if (nodes[node].token < 0) nodes[node].token = token;
}

std::optional<std::pair<int32_t, size_t>> AddedTokens::Trie::longest_at(std::string_view text,
                                                                       size_t pos) const {
  std::optional<std::pair<int32_t, size_t>> best;
  if (!first_bytes[static_cast<unsigned char>(text[pos])]) return best;  // the common case
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto& children = nodes[node].children;
    auto it = children.find(static_cast<unsigned char>(text[i]));
    if (it == children.end()) break;
    node = it->second;
    if (nodes[node].token >= 0) best = std::pair{nodes[node].token, i + 1 - pos};
  }
  return best;
}

AddedTokens::AddedTokens(std::vector<AddedToken> tokens, const Normalizer* normalizer) : tokens_(std::move(tokens)) {
  // tokenizers builds each matching set from the special tokens first, then the others.
  for (const bool special_pass : {true, false}) {
    for (size_t i = 0; i < tokens_.size(); ++i) {
      const AddedToken& token = tokens_[i];
      if (token.special != special_pass) continue;
      std::string pattern = token.content;
      if (token.normalized && normalizer) normalizer->normalize(pattern);
      if (pattern.empty()) continue;
      (token.normalized ? normalized_trie_ : raw_trie_).insert(pattern, static_cast<int32_t>(i));
    }
  }
  for (size_t i = 0; i < tokens_.size(); ++i) {
    index_by_id_.emplace(tokens_[i].id, i);
    id_by_content_.emplace(tokens_[i].content, tokens_[i].id);
  }
}

bool AddedTokens::accepts_match(const AddedToken& token, std::string_view text, size_t start,
                                size_t end) const {
  if (!token.single_word) return true;
  const bool word_before = start > 0 && is_word_char(code_point_before(text, start));
  size_t after = end;
  const bool word_after = end < text.size() && is_word_char(decode_utf8(text, after));
  return !word_before && !word_after;
}

void AddedTokens::split(std::string_view text, bool normalized, std::vector<Segment>& out) const {
  const Trie& trie = normalized ? normalized_trie_ : raw_trie_;
  auto emit_text = [&](size_t from, size_t to) {
    if (to > from) out.push_back(Segment{std::string(text.substr(from, to - from)), std::nullopt});
  };
  size_t emitted = 0;  // text before this offset is already in `out`
  for (size_t pos = 0; pos < text.size();) {
    const auto match = trie.longest_at(text, pos);
    if (!match) {
      ++pos;
      continue;
    }
    const AddedToken& token = tokens_[match->first];
    size_t start = pos, end = pos + match->second;
    pos = end;  // the search resumes after the match even when it is rejected
    if (!accepts_match(token, text, start, end)) continue;
    if (token.lstrip) {
      // Back over the whitespace before the token, but never into the previous match.
      size_t new_start = start;
      while (new_start > 0) {
        size_t prev = new_start - 1;
        while (prev > 0 && is_continuation_byte(text[prev])) --prev;
        size_t probe = prev;
        if (!is_white_space(decode_utf8(text, probe))) break;
        new_start = prev;
      }
      start = std::max(new_start, emitted);
    }
    if (token.rstrip) {
      for (size_t probe = end; probe < text.size();) {
        if (!is_white_space(decode_utf8(text, probe))) break;
        end = probe;
      }
    }
    emit_text(emitted, start);
    out.push_back(Segment{std::string(text.substr(start, end - start)), token.id});
    emitted = end;
  }
  emit_text(emitted, text.size());
}

const AddedToken* AddedTokens::find_by_id(int32_t id) const {
  auto it = index_by_id_.find(id);
  return it == index_by_id_.end() ? nullptr : &tokens_[it->second];
}

std::optional<int32_t> AddedTokens::find_by_content(std::string_view content) const {
  auto it = id_by_content_.find(content);
  if (it == id_by_content_.end()) return std::nullopt;
  return it->second;
}

}  // namespace lq::tok
