// A regex in a tokenizer.json comes from whoever published the model: one that backtracks
// catastrophically must stop with an error naming the tokenizer file (PCRE2 match, depth and
// heap limits set in regex.cpp), while the patterns real models ship never come near the limits
// even on megabyte-long texts. Issue 13.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "core/error.h"
#include "tokenizers/regex.h"
#include "tokenizers/tokenizer.h"

namespace lq {
namespace {

namespace fs = std::filesystem;

// A WordPiece tokenizer.json whose only pre-tokenizer is a Split on `pattern`.
std::string split_tokenizer(const std::string& pattern) {
  const fs::path dir = fs::temp_directory_path() / ("lq_regex_limits_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / "tokenizer.json";
  std::ofstream(path) << R"({"version": "1.0", "added_tokens": [], "normalizer": null,
  "pre_tokenizer": {"type": "Split", "pattern": {"Regex": ")" << pattern << R"("},
                    "behavior": "Isolated", "invert": false},
  "post_processor": null, "decoder": null,
  "model": {"type": "WordPiece", "vocab": {"a": 0, "b": 1, "[UNK]": 2}, "unk_token": "[UNK]"}})";
  return path.string();
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(RegexLimits, CatastrophicBacktrackingIsAnErrorNamingTheTokenizer) {
  // (a+)+$ on a run of a's that ends otherwise tries 2^n ways: without a limit it never ends.
  const std::string path = split_tokenizer("(a+)+$");
  const auto tokenizer = load_tokenizer(path);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    tokenizer->encode(std::string(64, 'a') + "!");
    FAIL() << "no lq::Error for a pattern that backtracks without end";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.where(), path);
    EXPECT_NE(msg.find("regex '(a+)+$'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("limit"), std::string::npos) << msg;
    EXPECT_NE(msg.find("backtracks too much"), std::string::npos) << msg;
  }
  EXPECT_LT(seconds_since(t0), 10.0);
}

TEST(RegexLimits, NestedQuantifiersOnALongTextStopToo) {
  tok::Regex regex("^(\\w+\\s?)*$", "nested.json");
  const std::string text = std::string(5000, 'x') + "!";
  size_t start = 0, end = 0;
  try {
    regex.find(text, 0, start, end);
    FAIL() << "no lq::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "nested.json");
  }
}

// The patterns of GPT-2/RoBERTa (byte-level), Llama 3 / Qwen2 and BLOOM over texts far longer
// than a corpus line: one long word, one long run of spaces, one of digits, one of punctuation.
TEST(RegexLimits, RealPatternsStayBelowTheLimitsOnLongTexts) {
  const char* patterns[] = {
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
      "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      " ?[^(\\s|[.,!?…。，、।۔،])]+",
  };
  const std::string texts[] = {std::string(1 << 20, 'a'), std::string(1 << 20, ' ') + "a",
                               std::string(1 << 20, '7'), std::string(1 << 20, '!'),
                               std::string(1 << 19, ' ') + std::string(1 << 19, '\n') + "x"};
  for (const char* p : patterns) {
    tok::Regex regex(tok::onig_to_pcre2(p), "real.json");
    for (const std::string& text : texts) {
      size_t pieces = 0, covered = 0;
      EXPECT_NO_THROW(regex.for_each_span(text, [&](size_t a, size_t b, bool) {
        ++pieces;
        covered += b - a;
      })) << p;
      EXPECT_EQ(covered, text.size()) << p;
      EXPECT_GT(pieces, 0u);
    }
  }
}

}  // namespace
}  // namespace lq
