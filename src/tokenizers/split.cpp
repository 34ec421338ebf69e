#include "tokenizers/split.h"

#include <algorithm>

namespace lq::tok {

std::optional<SplitBehavior> parse_split_behavior(std::string_view name) {
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  return std::nullopt;
}

void apply_split_behavior(const Spans& spans, SplitBehavior behavior, std::vector<std::pair<size_t, size_t>>& kept) {
  kept.clear();
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::kRemoved:
      for (const Span& s : spans) {
        if (!s.is_match) kept.emplace_back(s.start, s.end);
      }
      return;
    case SplitBehavior::kIsolated:
      for (const Span& s : spans) kept.emplace_back(s.start, s.end);
      return;
    case SplitBehavior::kContiguous:
      // Runs of spans of the same kind become one piece.
      for (const Span& s : spans) {
        if (s.is_match == previous_match && !kept.empty()) {
          kept.back().second = s.end;
        } else {
          kept.emplace_back(s.start, s.end);
        }
        previous_match = s.is_match;
      }
      return;
    case SplitBehavior::kMergedWithPrevious:
      // A match that follows a non-match joins the piece before it.
      for (const Span& s : spans) {
        if (s.is_match && !previous_match && !kept.empty()) {
          kept.back().second = s.end;
        } else {
          kept.emplace_back(s.start, s.end);
        }
        previous_match = s.is_match;
      }
      return;
    case SplitBehavior::kMergedWithNext:
      // Walking backwards: a match that precedes a non-match joins the piece after it.
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->is_match && !previous_match && !kept.empty()) {
          kept.back().first = it->start;
        } else {
          kept.emplace_back(it->start, it->end);
        }
        previous_match = it->is_match;
      }
      std::reverse(kept.begin(), kept.end());
      return;
  }
}

}  // namespace lq::tok
