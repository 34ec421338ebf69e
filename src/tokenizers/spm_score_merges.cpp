#include "tokenizers/spm_score_merges.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

namespace lq {
namespace {

size_t char_length(unsigned char lead) {
  static constexpr unsigned char kByHighNibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kByHighNibble[lead >> 4];
}

struct Split {
  float score;
  int32_t id;
  uint32_t at;  // bytes in the left part
};

}  // namespace

std::vector<std::pair<std::string, std::string>> spm_score_merges(const std::vector<std::string>& tokens,
                                                                   const std::vector<float>& scores) {
  std::unordered_set<std::string_view> vocab(tokens.begin(), tokens.end());
  std::vector<Split> splits;
  for (size_t id = 0; id < tokens.size(); ++id) {
    const std::string_view token = tokens[id];
    for (size_t at = char_length(token[0]); at < token.size(); at += char_length(token[at])) {
      if (vocab.count(token.substr(0, at)) && vocab.count(token.substr(at))) {
        splits.push_back(Split{scores.empty() ? 0.0f : scores[id], static_cast<int32_t>(id), static_cast<uint32_t>(at)});
      }
    }
  }
  std::sort(splits.begin(), splits.end(), [](const Split& a, const Split& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.id != b.id) return a.id < b.id;
    return a.at < b.at;
  });
  std::vector<std::pair<std::string, std::string>> merges;
  merges.reserve(splits.size());
  for (const Split& s : splits) merges.emplace_back(tokens[s.id].substr(0, s.at), tokens[s.id].substr(s.at));
  return merges;
}

}  // namespace lq
