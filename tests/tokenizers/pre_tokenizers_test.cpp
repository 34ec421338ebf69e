// Unit tests of the pre-tokenizers and split behaviours; expectations from tokenizers 0.20.3.
#include <gtest/gtest.h>

#include "tokenizers/pre_tokenizer_char_class.h"
#include "tokenizers/pre_tokenizer_metaspace.h"
#include "tokenizers/pre_tokenizer_split.h"
#include "tokenizers/regex.h"

namespace lq::tok {
namespace {

Pieces run(const PreTokenizer& p, std::string text, bool at_start = true) {
  Pieces pieces{std::move(text)};
  p.pre_tokenize(pieces, at_start);
  return pieces;
}

Pieces split(const char* behavior, bool invert) {
  return run(SplitPreTokenizer(escape_regex("-"), *parse_split_behavior(behavior), invert, "test"), "-a--b-c-");
}

TEST(PreTokenizers, SplitBehaviours) {
  EXPECT_EQ(split("Removed", false), (Pieces{"a", "b", "c"}));
  EXPECT_EQ(split("Removed", true), (Pieces{"-", "-", "-", "-", "-"}));
  EXPECT_EQ(split("Isolated", false), (Pieces{"-", "a", "-", "-", "b", "-", "c", "-"}));
  EXPECT_EQ(split("MergedWithPrevious", false), (Pieces{"-", "a-", "-", "b-", "c-"}));
  EXPECT_EQ(split("MergedWithPrevious", true), (Pieces{"-a", "-", "-b", "-c", "-"}));
  EXPECT_EQ(split("MergedWithNext", false), (Pieces{"-a", "-", "-b", "-c", "-"}));
  EXPECT_EQ(split("MergedWithNext", true), (Pieces{"-", "a-", "-", "b-", "c-"}));
  EXPECT_EQ(split("Contiguous", false), (Pieces{"-", "a", "--", "b", "-", "c", "-"}));
}

TEST(PreTokenizers, OnigurumaClassesInRegex) {
  // \s includes U+0085 as in Oniguruma; nested classes are flattened.
  EXPECT_EQ(onig_to_pcre2("[^\\s\\p{L}]"), "[^\\t\\n\\x{0B}\\f\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
                                            "\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\p{L}]");
  EXPECT_EQ(onig_to_pcre2("[^(a|[.,])]+"), "[^(a|.,)]+");
  SplitPreTokenizer bloom(onig_to_pcre2(" ?[^(\\s|[.,!?])]+"), SplitBehavior::kIsolated, false, "test");
  EXPECT_EQ(run(bloom, "Hi, you\u0085there."), (Pieces{"Hi", ",", " you", "\u0085", "there", "."}));
}

TEST(PreTokenizers, Metaspace) {
  MetaspacePreTokenizer always(U'\u2581', PrependScheme::kAlways, true);
  EXPECT_EQ(run(always, "Hey  friend"), (Pieces{"\u2581Hey", "\u2581", "\u2581friend"}));
  EXPECT_EQ(run(always, " a "), (Pieces{"\u2581a", "\u2581"}));
  MetaspacePreTokenizer first(U'\u2581', PrependScheme::kFirst, false);
  EXPECT_EQ(run(first, "a b", true), (Pieces{"\u2581a\u2581b"}));
  EXPECT_EQ(run(first, "a b", false), (Pieces{"a\u2581b"}));  // after an added token
  MetaspacePreTokenizer never(U'\u2581', PrependScheme::kNever, true);
  EXPECT_EQ(run(never, "a b"), (Pieces{"a", "\u2581b"}));
}

TEST(PreTokenizers, CharClasses) {
  EXPECT_EQ(run(WhitespacePreTokenizer(), "Hey friend!  How are you?!?"),
            (Pieces{"Hey", "friend", "!", "How", "are", "you", "?!?"}));
  EXPECT_EQ(run(WhitespacePreTokenizer(), "e\u0301t\u00e9\u200dx"), (Pieces{"e\u0301t\u00e9\u200dx"}));
  EXPECT_EQ(run(WhitespaceSplitPreTokenizer(), " a\u00a0b\u3000c! "), (Pieces{"a", "b", "c!"}));
  EXPECT_EQ(run(BertPreTokenizer(), "Hey, you's  (x)"), (Pieces{"Hey", ",", "you", "'", "s", "(", "x", ")"}));
  EXPECT_EQ(run(PunctuationPreTokenizer(SplitBehavior::kContiguous), "a..b!"), (Pieces{"a", "..", "b", "!"}));
  EXPECT_EQ(run(DigitsPreTokenizer(true), "a123b"), (Pieces{"a", "1", "2", "3", "b"}));
  EXPECT_EQ(run(DigitsPreTokenizer(false), "a123b\u0663"), (Pieces{"a", "123", "b", "\u0663"}));
}

TEST(PreTokenizers, RemovingTextClearsFirstAtStart) {
  Pieces pieces{"  a b"};
  bool at_start = true;
  WhitespaceSplitPreTokenizer().pre_tokenize(pieces, at_start);
  EXPECT_FALSE(at_start);
  pieces = {"a b"};
  at_start = true;
  WhitespaceSplitPreTokenizer().pre_tokenize(pieces, at_start);
  EXPECT_TRUE(at_start);
}

}  // namespace
}  // namespace lq::tok
