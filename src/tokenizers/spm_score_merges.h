// The Hugging Face BPE merges that reproduce a SentencePiece-by-score vocabulary (llama.cpp's
// "llama" tokenizer model): every split of a token into two tokens is a merge, ranked by the
// merged token's score, highest first (ties: lower id, then shorter left part).
//
// Identical to llama.cpp's SPM merging except (1) where two overlapping merges of equal score
// compete: llama.cpp takes the leftmost, BPE the lower rank; (2) for a token some character
// of which is not itself a token: llama.cpp can still build it, BPE cannot.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace lq {

// scores may be empty (all 0).
std::vector<std::pair<std::string, std::string>> spm_score_merges(const std::vector<std::string>& tokens,
                                                                   const std::vector<float>& scores);

}  // namespace lq
