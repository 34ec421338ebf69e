#include "tokenizers/pre_tokenizer_byte_level.h"

#include "tokenizers/byte_level_alphabet.h"

namespace lq::tok {

#define LQ_WHITE_SPACE \
  "\\t\\n\\x{0B}\\f\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}" \
  "\\x{202F}\\x{205F}\\x{3000}"
const char* const kGpt2SplitPattern =
    "'s|'t|'re|'ve|'m|'ll|'d"
    "| ?\\p{L}+| ?\\p{N}+"
    "| ?[^" LQ_WHITE_SPACE "\\p{L}\\p{N}]+"
    "|[" LQ_WHITE_SPACE "]+(?![^" LQ_WHITE_SPACE "])"
    "|[" LQ_WHITE_SPACE "]+";
#undef LQ_WHITE_SPACE

ByteLevelPreTokenizer::ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex,
                                             const std::string& where)
    : add_prefix_space_(add_prefix_space), use_regex_(use_regex), split_regex_(kGpt2SplitPattern, where) {}

void ByteLevelPreTokenizer::pre_tokenize(Pieces& pieces, bool& /*first_at_start*/) const {
  Pieces words;
  words.reserve(pieces.size() * 8);
  std::string prefixed;
  for (const std::string& piece : pieces) {
    std::string_view text = piece;
    // tokenizers prepends the space to each piece that lacks one; empty pieces stay empty.
    if (add_prefix_space_ && !text.empty() && text.front() != ' ') {
      prefixed.assign(1, ' ');
      prefixed.append(piece);
      text = prefixed;
    }
    auto add_word = [&](std::string_view word) {
      std::string& out = words.emplace_back();
      out.reserve(word.size() + word.size() / 2);
      append_byte_level(word, out);
    };
    if (use_regex_) {
      split_regex_.split_isolated(text, add_word);
    } else if (!text.empty()) {
      add_word(text);
    }
  }
  pieces = std::move(words);
}

}  // namespace lq::tok
