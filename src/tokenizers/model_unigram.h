// tokenizers' Unigram model (SentencePiece unigram: XGLM, mT5, ...): the segmentation of a
// word into vocabulary pieces with the highest total score (Viterbi). A character no piece
// starts with becomes an unknown piece scored min_score - 10; consecutive unknown pieces
// fuse into one, which is then the unk id, or its UTF-8 bytes as <0xNN> tokens with
// byte_fallback.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "tokenizers/pair_map.h"
#include "tokenizers/pipeline.h"
#include "tokenizers/string_map.h"

namespace lq::tok {

struct UnigramConfig {
  std::vector<std::pair<std::string, double>> vocab;  // index = id
  std::optional<int32_t> unk_id;
  bool byte_fallback = false;
};

class UnigramModel final : public Model {
 public:
  // Throws lq::Error (naming `where`) when unk_id is outside the vocab.
  UnigramModel(UnigramConfig config, const std::string& where);

  void tokenize(std::string_view word, std::vector<int32_t>& ids) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  std::optional<std::string> id_to_token(int32_t id) const override;
  size_t vocab_size() const override { return config_.vocab.size(); }

 private:
  // The vocabulary as a byte trie: node 0 is the root; edges live in one hash map keyed by
  // (node, byte); node_token_[n] is the id of the piece ending at node n, or -1.
  int32_t child(int32_t node, unsigned char byte) const;
  // Pieces of the best segmentation (fused unknowns as one piece), as [start, end) ranges.
  void best_path(std::string_view word, std::vector<std::pair<size_t, size_t>>& pieces,
                 std::vector<bool>& is_unk) const;

  UnigramConfig config_;
  StringMap<int32_t> token_to_id_;
  PairMap<int32_t> edges_;
  std::vector<int32_t> node_token_;
  double unk_score_ = 0;
};

}  // namespace lq::tok
