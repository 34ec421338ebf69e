#include "tokenizers/replace_pattern.h"

namespace lq::tok {

ReplacePattern ReplacePattern::literal(std::string from, std::string to) {
  ReplacePattern p;
  p.from_ = std::move(from);
  p.to_ = std::move(to);
  return p;
}

ReplacePattern ReplacePattern::regex(const std::string& onig_pattern, std::string to, const std::string& where) {
  ReplacePattern p;
  p.to_ = std::move(to);
  p.regex_ = std::make_shared<const Regex>(onig_to_pcre2(onig_pattern), where);
  return p;
}

void ReplacePattern::apply(std::string& text) const {
  std::string out;
  if (!regex_) {
    // An empty literal is left alone (it cannot come from a real tokenizer.json).
    if (from_.empty() || text.find(from_) == std::string::npos) return;
    size_t done = 0;
    for (size_t at = text.find(from_); at != std::string::npos; at = text.find(from_, done)) {
      out.append(text, done, at - done);
      out += to_;
      done = at + from_.size();
    }
    out.append(text, done, std::string::npos);
  } else {
    bool changed = false;
    regex_->for_each_span(text, [&](size_t start, size_t end, bool is_match) {
      if (is_match) {
        out += to_;
        changed = true;
      } else {
        out.append(text, start, end - start);
      }
    });
    if (!changed) return;
  }
  text.swap(out);
}

}  // namespace lq::tok
