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

  // Appends the consecutive spans covering text: matches and the non-empty gaps between
  // them, in the way tokenizers' Pattern::find_matches reports them for an Oniguruma regex
  // (an empty match is reported and the search resumes one character later).
  template <class OnSpan>
  void for_each_span(std::string_view text, OnSpan&& on_span) const;

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

template <class OnSpan>
void Regex::for_each_span(std::string_view text, OnSpan&& on_span) const {
  size_t done = 0, from = 0, start = 0, end = 0;
  while (from <= text.size() && find(text, from, start, end)) {
    if (start > done) on_span(done, start, false);
    on_span(start, end, true);
    done = end;
    from = end;
    if (start == end) {  // step over one whole character
      if (from >= text.size()) break;
      ++from;
      while (from < text.size() && (static_cast<unsigned char>(text[from]) & 0xc0) == 0x80) ++from;
    }
  }
  if (done < text.size()) on_span(done, text.size(), false);
}

// tokenizer.json regexes are written for Oniguruma, whose Unicode `\s` and `\w` differ from
// PCRE2's (`\s` includes U+0085; `\w` includes all marks and Join_Control). This rewrites
// those escapes as explicit classes; everything else is left to PCRE2, whose syntax agrees for
// the patterns models ship (lookaheads, (?i:...), \p{..}, {m,n}).
std::string onig_to_pcre2(std::string_view pattern);
// A pattern matching `literal` exactly (tokenizers escapes string patterns the same way).
std::string escape_regex(std::string_view literal);

}  // namespace lq::tok
