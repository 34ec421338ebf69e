// Trains a GPT-2 style byte-level BPE tokenizer and returns it as a Hugging Face tokenizer.json
// that both `tokenizers` and langquant's own tokenizer (load_tokenizer) load.
//
// What it does, step by step (the same procedure as tokenizers' BpeTrainer with a ByteLevel
// pre-tokenizer and initial_alphabet = ByteLevel.alphabet(), so that on the same texts both
// produce the same vocabulary and merges):
//   1. Every text is split into words by the ByteLevel pre-tokenizer (GPT-2's regex,
//      add_prefix_space false) and each word is rewritten in the 256-character byte alphabet.
//      Words are counted; texts are independent (no word spans two texts).
//   2. Vocabulary ids: the special tokens first (in the given order), then the 256 byte
//      characters sorted by code point (all of them, seen or not), then one id per new token in
//      the order the merges create them.
//   3. Merge loop: take the adjacent pair of symbols with the highest count (a word's count
//      times its occurrences in the word). Ties go to the smallest pair of ids (left id first,
//      then right id); ids are the ones of step 2, so the rule is deterministic and independent
//      of hashing. Replace it, leftmost first and without overlap, in every word that holds it,
//      and update the counts of the neighbouring pairs. Stop when the vocabulary reaches
//      vocab_size or the best count is below min_frequency (or below 1).
//   Like tokenizers, a merge whose result string already exists (reached by another path)
//   reuses that id instead of growing the vocabulary; the one quirk copied on purpose is that
//   the count of a merged pair is not reset (tokenizers only adjusts its neighbours), so the
//   same pair can in rare cases be chosen twice: the merge list then keeps its later position.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lq {

struct BpeTrainerOptions {
  int vocab_size = 4096;  // including the special tokens and the 256 byte characters
  int min_frequency = 2;  // a pair seen fewer times than this is never merged
  std::vector<std::string> special_tokens = {"<|endoftext|>"};
};

// Throws lq::Error for a text that is not valid UTF-8 (naming its index), a vocab_size below
// the special tokens plus 256, a negative min_frequency, or an empty or repeated special token.
nlohmann::json train_byte_level_bpe(const std::vector<std::string>& texts, const BpeTrainerOptions& opt);

}  // namespace lq
