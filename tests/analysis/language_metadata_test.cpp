// analysis/language_metadata.h: the built-in table, overrides, and bad files in one line.
#include "analysis/language_metadata.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>

#include "analysis/series.h"
#include "core/error.h"
#include "support/lq_error.h"

namespace lq::analysis {
namespace {

std::string write(const std::string& name, const std::string& text) {
  const auto p = std::filesystem::temp_directory_path() / ("lq_lang_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p.string();
}

using test_support::error_of;

TEST(LanguageTable, BuiltinCoversTheCorpora) {
  const auto t = LanguageTable::builtin();
  EXPECT_EQ(t.columns(), (std::vector<std::string>{"code", "name", "script", "family", "branch", "resource"}));
  // ud-pud, ud-mono, xquad and data/sample languages.
  for (const char* c : {"ar", "cs", "de", "el", "en", "es", "fi", "fr", "gl", "he", "hi", "id", "is", "it", "ja", "ko",
                        "pl", "pt", "ro", "ru", "sv", "th", "tr", "vi", "zh"})
    EXPECT_FALSE(t.get(c, "script").empty()) << c;
  EXPECT_EQ(t.get("he", "script"), "Hebr");
  EXPECT_EQ(t.get("fi", "family"), "Uralic");
  EXPECT_EQ(t.get("xx", "script"), "");
  // "high" is exactly the README's default high-resource set.
  std::vector<std::string> high;
  for (const auto& c : t.codes())
    if (t.get(c, "resource") == "high") high.push_back(c);
  std::sort(high.begin(), high.end());
  EXPECT_EQ(high, (std::vector<std::string>{"de", "en", "es", "fr", "it", "ja", "nl", "pt", "ru", "zh"}));
}

TEST(LanguageTable, OverridesReplaceCellsAndAddColumns) {
  const std::string f = write("over.tsv", "# my study\ncode\tjoshi\tscript\nhe\t3\t\nzz\t1\tLatn\r\n");
  const auto t = LanguageTable::with_overrides(LanguageTable::builtin(), f);
  EXPECT_EQ(t.get("he", "joshi"), "3");
  EXPECT_EQ(t.get("he", "script"), "Hebr");  // an empty cell keeps the built-in value
  EXPECT_EQ(t.get("zz", "script"), "Latn");  // a new language
  EXPECT_EQ(t.get("en", "joshi"), "");
  // As series: the numeric column, and an indicator.
  const Series joshi = read_series("@languages:joshi", "", f);
  EXPECT_EQ(joshi.keys, (std::vector<std::string>{"he", "zz"}));
  EXPECT_EQ(joshi.values, (std::vector<double>{3, 1}));
  EXPECT_EQ(joshi.skipped, static_cast<int>(t.codes().size()) - 2);
  const Series latin = read_series("@languages:script=Latn?family=Afro-Asiatic");
  EXPECT_EQ(latin.keys, (std::vector<std::string>{"ar", "he"}));
  EXPECT_EQ(latin.values, (std::vector<double>{0, 0}));
  std::filesystem::remove(f);
}

TEST(LanguageTable, BadFilesFailInOneLineNamingTheLine) {
  const std::string a = write("a.tsv", "lang\tscript\nen\tLatn\n");
  EXPECT_EQ(error_of([&] { LanguageTable::with_overrides(LanguageTable::builtin(), a); }),
            a + ":1: the header's first column must be 'code' (tab-separated columns)");
  const std::string b = write("b.tsv", "code\tscript\nen\tLatn\textra\n");
  EXPECT_EQ(error_of([&] { LanguageTable::with_overrides(LanguageTable::builtin(), b); }),
            b + ":2: 3 fields, the header has 2");
  const std::string c = write("c.tsv", "code\tscript\nen us\tLatn\n");
  EXPECT_NE(error_of([&] { LanguageTable::with_overrides(LanguageTable::builtin(), c); }).find(c + ":2: language code"),
            std::string::npos);
  EXPECT_NE(error_of([] { read_series("@languages:nope"); }).find("has no column 'nope'"), std::string::npos);
  for (const auto& f : {a, b, c}) std::filesystem::remove(f);
}

}  // namespace
}  // namespace lq::analysis
