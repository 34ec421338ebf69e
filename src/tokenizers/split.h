// tokenizers' NormalizedString::split: a pattern marks the text as alternating match and
// non-match spans, and a behaviour decides what happens to the matches (dropped, kept as their
// own pieces, glued to a neighbour, or merged with each other). Every splitting pre-tokenizer
// (Split, Metaspace, Whitespace, BertPreTokenizer, Punctuation, Digits) goes through here so
// that all of them follow the same rules.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizers/pipeline.h"
#include "tokenizers/unicode.h"

namespace lq::tok {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Parses tokenizer.json's name ("Removed", "Isolated", ...); nullopt for an unknown name.
std::optional<SplitBehavior> parse_split_behavior(std::string_view name);

// A span [start, end) of a piece's bytes and whether the pattern matched it.
struct Span {
  size_t start, end;
  bool is_match;
};
using Spans = std::vector<Span>;

// The [start, end) ranges that remain as pieces, in order (empty ones included; the caller
// drops them, as PreTokenizedString::split does).
void apply_split_behavior(const Spans& spans, SplitBehavior behavior, std::vector<std::pair<size_t, size_t>>& kept);

// Spans of a character predicate: every matching character is its own match and the runs
// between them are non-matches (tokenizers' Pattern impl for Fn(char) -> bool).
template <class Pred>
void char_spans(std::string_view text, Pred&& pred, Spans& spans) {
  spans.clear();
  size_t last = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t start = i;
    const char32_t cp = decode_utf8(text, i);
    if (!pred(cp)) continue;
    if (last < start) spans.push_back({last, start, false});
    spans.push_back({start, i, true});
    last = i;
  }
  if (last < text.size()) spans.push_back({last, text.size(), false});
}

// Replaces every piece by the non-empty pieces that find_spans(piece, spans) and behavior
// make of it. first_at_start stays true only if the new first piece begins where the old one
// did.
template <class FindSpans>
void split_pieces(Pieces& pieces, bool& first_at_start, SplitBehavior behavior, FindSpans&& find_spans) {
  Pieces out;
  out.reserve(pieces.size() * 2);
  thread_local Spans spans;
  thread_local std::vector<std::pair<size_t, size_t>> kept;
  for (size_t p = 0; p < pieces.size(); ++p) {
    const std::string& piece = pieces[p];
    find_spans(std::string_view(piece), spans);
    apply_split_behavior(spans, behavior, kept);
    for (const auto& [start, end] : kept) {
      if (end <= start) continue;
      if (out.empty() && start != 0) first_at_start = false;
      if (out.empty() && p != 0) first_at_start = false;
      out.emplace_back(piece, start, end - start);
    }
  }
  pieces = std::move(out);
}

}  // namespace lq::tok
