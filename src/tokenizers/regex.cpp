#include "tokenizers/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cctype>
#include <cstdint>

#include "core/error.h"

namespace lq::tok {
namespace {

// A tokenizer.json comes from strangers and its regexes run on every text: a pattern that
// backtracks catastrophically must end in an error, never a hang or an exhausted memory. These
// limits hold per match call whatever PCRE2 was built with. The real models' patterns stay far
// below them (tests/tokenizers/regex_limits_test.cpp runs them over megabyte-long runs).
constexpr uint32_t kMatchLimit = 10'000'000;  // backtracking steps (JIT and interpreter); ~0.1 s
constexpr uint32_t kDepthLimit = 100'000;     // nested backtracking frames (interpreter only)
constexpr uint32_t kHeapLimitKiB = 256 * 1024;  // backtracking memory (interpreter only)

// JIT matching runs on its own stack; the 32 KiB default is too small for the backtracking
// of `\s+(?!\S)` over long runs of spaces, so each thread gets a larger one (bounded: a
// pattern that needs more ends in PCRE2_ERROR_JIT_STACKLIMIT).
struct ThreadMatchState {
  pcre2_jit_stack* stack = pcre2_jit_stack_create(64 * 1024, 8 * 1024 * 1024, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  ThreadMatchState() {
    pcre2_jit_stack_assign(context, nullptr, stack);
    pcre2_set_match_limit(context, kMatchLimit);
    pcre2_set_depth_limit(context, kDepthLimit);
    pcre2_set_heap_limit(context, kHeapLimitKiB);
  }
  ~ThreadMatchState() {
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(stack);
  }
};

}  // namespace

struct Regex::Compiled {
  pcre2_code* code = nullptr;
  std::string pattern;
  std::string where;  // the tokenizer file, for errors while matching
  ~Compiled() { pcre2_code_free(code); }
};

Regex::Regex(const std::string& pattern, const std::string& where) : compiled_(new Compiled) {
  compiled_->pattern = pattern;
  compiled_->where = where;
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  compiled_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                  PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
  if (!compiled_->code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof message);
    fail(where, "bad regex '" + pattern + "' at offset " + std::to_string(error_offset) + ": " +
                    reinterpret_cast<const char*>(message));
  }
  pcre2_jit_compile(compiled_->code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter
}

Regex::~Regex() = default;

bool Regex::find(std::string_view text, size_t from, size_t& start, size_t& end) const {
  thread_local ThreadMatchState state;
  struct MatchData {
    pcre2_match_data* data;
    ~MatchData() { pcre2_match_data_free(data); }
  };
  thread_local MatchData match{pcre2_match_data_create(1, nullptr)};
  const int rc = pcre2_match(compiled_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(),
                             from, PCRE2_NO_UTF_CHECK, match.data, state.context);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(rc, message, sizeof message);
    const bool limit = rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
                       rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
    fail(compiled_->where, "regex '" + compiled_->pattern + "' on a text of " + std::to_string(text.size()) +
                               " bytes: " + reinterpret_cast<const char*>(message) +
                               (limit ? " (the pattern backtracks too much; langquant stops it instead of hanging)" : ""));
  }
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.data);
  start = ovector[0];
  end = ovector[1];
  return true;
}

namespace {

#define LQ_WHITE_SPACE_CLASS \
  "\\t\\n\\x{0B}\\f\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}" \
  "\\x{202F}\\x{205F}\\x{3000}"
constexpr const char* kSpaceClass = LQ_WHITE_SPACE_CLASS;
constexpr const char* kWordClass = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}";
#undef LQ_WHITE_SPACE_CLASS

}  // namespace

std::string onig_to_pcre2(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() * 2);
  int depth = 0;  // character-class nesting: Oniguruma allows [a[bc]], a union
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[++i];
      const char* cls = e == 's' || e == 'S' ? kSpaceClass : e == 'w' || e == 'W' ? kWordClass : nullptr;
      const bool negated = e == 'S' || e == 'W';
      if (cls && depth > 0 && !negated) {
        out += cls;  // merge into the enclosing class
      } else if (cls && depth == 0) {
        out += negated ? "[^" : "[";
        out += cls;
        out += ']';
      } else {  // other escapes, and \S or \W inside a class (kept as PCRE2 reads them)
        out += '\\';
        out += e;
      }
      continue;
    }
    if (c == '[' && depth > 0 && i + 1 < pattern.size() && pattern[i + 1] == ':') {
      const size_t close = pattern.find(":]", i + 2);  // a POSIX class such as [:alpha:]
      const size_t stop = close == std::string_view::npos ? pattern.size() : close + 2;
      out.append(pattern.substr(i, stop - i));
      i = stop - 1;
      continue;
    }
    if (c == '[' && (depth == 0 || (i + 1 < pattern.size() && pattern[i + 1] != ':' && pattern[i + 1] != '^'))) {
      // A nested, non-negated class is flattened into its parent: PCRE2 has no nesting.
      if (depth++ == 0) {
        out += c;
        if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
        // A ']' right after '[' or '[^' is a literal member.
        if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      }
      continue;
    }
    if (c == ']' && depth > 0) {
      if (--depth == 0) out += c;
      continue;
    }
    out += c;
  }
  return out;
}

std::string escape_regex(std::string_view literal) {
  std::string out;
  for (const char c : literal) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && !std::isalnum(u) && c != '_' && c != ' ') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace lq::tok
