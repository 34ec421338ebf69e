// A compiled PCRE2 pattern (UTF + UCP, JIT when available) and tokenizers' way of splitting
// text with it. Thread-safe: matching state is per call and per thread.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lq::tok {

class Regex {
 public:
  // Throws lq::Error (naming `where`) when the pattern does not compile.
  Regex(const std::string& pattern, const std::string& where);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Calls on_piece for consecutive non-empty pieces covering text, each either a match or the
  // text between two matches ("Isolated" splitting). Text must be valid UTF-8. An empty match
  // is skipped and the search resumes one character later, as Oniguruma's find_iter does.
  template <class OnPiece>
  void split_isolated(std::string_view text, OnPiece&& on_piece) const;

  // The [start, end) of the next match at or after `from`; false when there is none.
  bool find(std::string_view text, size_t from, size_t& start, size_t& end) const;

 private:
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

template <class OnPiece>
void Regex::split_isolated(std::string_view text, OnPiece&& on_piece) const {
  size_t done = 0, from = 0, start = 0, end = 0;
  while (from <= text.size() && find(text, from, start, end)) {
    if (start == end) {  // empty match: step over one whole character
      from = end + 1;
      while (from < text.size() && (static_cast<unsigned char>(text[from]) & 0xc0) == 0x80) ++from;
      continue;
    }
    if (start > done) on_piece(text.substr(done, start - done));
    on_piece(text.substr(start, end - start));
    done = from = end;
  }
  if (done < text.size()) on_piece(text.substr(done));
}

}  // namespace lq::tok
