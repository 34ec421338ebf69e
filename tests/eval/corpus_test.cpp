// Corpus loading from temporary folders in each supported layout (<lang>.txt, FLORES dev/ and
// devtest/, CoNLL-U), language selection, the errors, and --group parsing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "eval/corpus.h"

namespace lq {
namespace {
namespace fs = std::filesystem;
using Lines = std::vector<std::string>;

class CorpusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("lq_corpus_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& rel, const std::string& bytes) {
    const fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  std::string root() const { return dir_.string(); }

  // The message of the lq::Error that f throws ("" when none).
  template <class F>
  static std::string error_of(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

TEST_F(CorpusTest, TxtFolderWithCrlfAndBlankLines) {
  write("en.txt", "Hello world.\r\n\r\nSecond line.\r\n   \r\n\t\r\nThird.\r\n");
  write("de.txt", "Guten Tag.\nZweite Zeile.\n\n");  // LF, trailing blank line
  write("he.txt", "שלום עולם\n");
  write("README.md", "not a language\n");
  write("notes.tsv", "ignored\n");
  const Corpus c = load_corpus(root());
  EXPECT_EQ(c.layout, "txt");
  EXPECT_EQ(c.path, root());
  ASSERT_EQ(c.languages.size(), 3u);
  EXPECT_EQ(c.languages[0].code, "de");
  EXPECT_EQ(c.languages[1].code, "en");
  EXPECT_EQ(c.languages[2].code, "he");
  EXPECT_EQ(c.languages[0].sentences, (Lines{"Guten Tag.", "Zweite Zeile."}));
  EXPECT_EQ(c.languages[1].sentences, (Lines{"Hello world.", "Second line.", "Third."}));
  EXPECT_EQ(c.languages[2].sentences, (Lines{"שלום עולם"}));
  ASSERT_EQ(c.languages[1].sources.size(), 1u);
  EXPECT_EQ(fs::path(c.languages[1].sources[0]).filename(), "en.txt");
}

TEST_F(CorpusTest, KeepFirstSentencesCutsEveryLanguageAndZeroKeepsAll) {
  write("en.txt", "a\nb\nc\n");
  write("de.txt", "x\n");
  Corpus c = load_corpus(root());
  keep_first_sentences(c, 0);
  EXPECT_EQ(c.languages[1].sentences.size(), 3u);
  keep_first_sentences(c, 2);
  EXPECT_EQ(c.languages[0].sentences, (Lines{"x"}));
  EXPECT_EQ(c.languages[1].sentences, (Lines{"a", "b"}));
}

TEST_F(CorpusTest, KeepsInnerWhitespaceAndNoFinalNewline) {
  write("en.txt", "  leading and trailing  \r\nlast line without newline");
  const Corpus c = load_corpus(root());
  ASSERT_EQ(c.languages.size(), 1u);
  EXPECT_EQ(c.languages[0].sentences, (Lines{"  leading and trailing  ", "last line without newline"}));
}

TEST_F(CorpusTest, Utf8ByteOrderMarkIsNotPartOfTheFirstSentence) {
  write("en.txt", "\xEF\xBB\xBFHello.\r\nWorld.\r\n");
  write("fr.txt", "\xEF\xBB\xBF\r\nBonjour.\n");  // BOM alone on a line: a blank line
  const Corpus c = load_corpus(root());
  ASSERT_EQ(c.languages.size(), 2u);
  EXPECT_EQ(c.languages[0].sentences, (Lines{"Hello.", "World."}));
  EXPECT_EQ(c.languages[1].sentences, (Lines{"Bonjour."}));
}

TEST_F(CorpusTest, SingleTxtFile) {
  const std::string p = write("sw.txt", "Habari.\nAsante.\n");
  const Corpus c = load_corpus(p);
  EXPECT_EQ(c.layout, "txt");
  ASSERT_EQ(c.languages.size(), 1u);
  EXPECT_EQ(c.languages[0].code, "sw");
  EXPECT_EQ(c.languages[0].sentences, (Lines{"Habari.", "Asante."}));
}

TEST_F(CorpusTest, FloresDevtestPreferredOverDev) {
  write("devtest/eng_Latn.devtest", "One.\nTwo.\n");
  write("devtest/heb_Hebr.devtest", "אחת.\nשתיים.\n");
  write("dev/eng_Latn.dev", "Dev one.\n");
  write("devtest/README", "ignored\n");
  write("en.txt", "a txt file next to a FLORES folder is ignored\n");
  const Corpus c = load_corpus(root());
  EXPECT_EQ(c.layout, "flores:devtest");
  ASSERT_EQ(c.languages.size(), 2u);
  EXPECT_EQ(c.languages[0].code, "eng_Latn");
  EXPECT_EQ(c.languages[1].code, "heb_Hebr");
  EXPECT_EQ(c.languages[0].sentences, (Lines{"One.", "Two."}));
  EXPECT_EQ(c.languages[1].sentences, (Lines{"אחת.", "שתיים."}));
}

TEST_F(CorpusTest, FloresDevFallback) {
  write("dev/eng_Latn.dev", "Dev one.\nDev two.\n");
  write("dev/fra_Latn.dev", "Un.\n");
  const Corpus c = load_corpus(root());
  EXPECT_EQ(c.layout, "flores:dev");
  ASSERT_EQ(c.languages.size(), 2u);
  EXPECT_EQ(c.languages[0].code, "eng_Latn");
  EXPECT_EQ(c.languages[0].sentences, (Lines{"Dev one.", "Dev two."}));
  EXPECT_EQ(c.languages[1].code, "fra_Latn");
}

const char* kConlluEwt =
    "# newdoc id = a\n"
    "# sent_id = 1\n"
    "# text = From the AP comes this story :\n"
    "1\tFrom\tfrom\tADP\tIN\t_\t3\tcase\t_\t_\n"
    "2\tthe\tthe\tDET\tDT\t_\t3\tdet\t_\t_\n"
    "\n"
    "#text = no space after hash: ignored\n"
    "# text_en = a translation line: ignored\n"
    "# sent_id = 2\r\n"
    "# text = President Bush on Tuesday.\r\n"
    "1\tPresident\tPresident\tPROPN\tNNP\t_\t0\troot\t_\t_\n";

TEST_F(CorpusTest, ConlluFilesOfOneLanguageAreMerged) {
  write("en_gum-ud-test.conllu", "# sent_id = g1\n# text = GUM sentence.\n1\tGUM\t_\t_\t_\t_\t0\troot\t_\t_\n");
  write("en_ewt-ud-test.conllu", kConlluEwt);
  write("he_htb-ud-test.conllu", "# text = שלום.\n1\tשלום\t_\t_\t_\t_\t0\troot\t_\t_\n");
  const Corpus c = load_corpus(root());
  EXPECT_EQ(c.layout, "conllu");
  ASSERT_EQ(c.languages.size(), 2u);
  EXPECT_EQ(c.languages[0].code, "en");
  EXPECT_EQ(c.languages[1].code, "he");
  // Files in name order: ewt before gum.
  EXPECT_EQ(c.languages[0].sentences,
            (Lines{"From the AP comes this story :", "President Bush on Tuesday.", "GUM sentence."}));
  ASSERT_EQ(c.languages[0].sources.size(), 2u);
  EXPECT_EQ(fs::path(c.languages[0].sources[0]).filename(), "en_ewt-ud-test.conllu");
  EXPECT_EQ(fs::path(c.languages[0].sources[1]).filename(), "en_gum-ud-test.conllu");
  EXPECT_EQ(c.languages[1].sentences, (Lines{"שלום."}));
}

TEST_F(CorpusTest, SingleConlluFileLanguageFromStem) {
  const std::string p = write("de-hdt-train.conllu", "# text = Ein Satz.\n1\tEin\n");
  const Corpus c = load_corpus(p);
  EXPECT_EQ(c.layout, "conllu");
  ASSERT_EQ(c.languages.size(), 1u);
  EXPECT_EQ(c.languages[0].code, "de");
  EXPECT_EQ(c.languages[0].sentences, (Lines{"Ein Satz."}));
}

TEST_F(CorpusTest, SelectLanguages) {
  write("en.txt", "e\n");
  write("de.txt", "d\n");
  write("fr.txt", "f\n");
  const Corpus c = load_corpus(root(), {"fr", "de"});
  ASSERT_EQ(c.languages.size(), 2u);
  EXPECT_EQ(c.languages[0].code, "de");  // still sorted by code
  EXPECT_EQ(c.languages[1].code, "fr");
  const Corpus dup = load_corpus(root(), {"en", "en"});
  ASSERT_EQ(dup.languages.size(), 1u);
  EXPECT_EQ(dup.languages[0].code, "en");
  const std::string e = error_of([&] { load_corpus(root(), {"en", "xx"}); });
  EXPECT_NE(e.find("has no language 'xx'"), std::string::npos) << e;
  EXPECT_NE(e.find(root()), std::string::npos) << e;
}

TEST_F(CorpusTest, Errors) {
  // No such path.
  std::string e = error_of([&] { load_corpus(root() + "/missing"); });
  EXPECT_NE(e.find("no such corpus"), std::string::npos) << e;
  // A folder without language files.
  write("notes.md", "x\n");
  e = error_of([&] { load_corpus(root()); });
  EXPECT_NE(e.find("no language files"), std::string::npos) << e;
  // An empty (or blank-only) language file.
  const std::string blank = write("sub/xx.txt", "\n  \r\n\n");
  e = error_of([&] { load_corpus((dir_ / "sub").string()); });
  EXPECT_NE(e.find(blank), std::string::npos) << e;
  EXPECT_NE(e.find("no sentences"), std::string::npos) << e;
  // CoNLL-U without text lines.
  const std::string notext = write("c/en_x.conllu", "# sent_id = 1\n1\tword\n");
  e = error_of([&] { load_corpus((dir_ / "c").string()); });
  EXPECT_NE(e.find(notext), std::string::npos) << e;
  EXPECT_NE(e.find("no '# text = ' lines"), std::string::npos) << e;
  // Invalid UTF-8, reported with line and byte.
  const std::string bad = write("u/en.txt", "fine\nalso fine\nab\xff" "cd\n");
  e = error_of([&] { load_corpus((dir_ / "u").string()); });
  EXPECT_NE(e.find(bad), std::string::npos) << e;
  EXPECT_NE(e.find("line 3"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid UTF-8 at byte 3"), std::string::npos) << e;
  // An empty FLORES split folder.
  fs::create_directories(dir_ / "f" / "devtest");
  e = error_of([&] { load_corpus((dir_ / "f").string()); });
  EXPECT_NE(e.find("no language files"), std::string::npos) << e;
}

TEST(ParseGroups, Valid) {
  const auto g = parse_groups({"semitic=he,ar", "latin=en,,fr,de", "one=sw"});
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g.at("semitic"), (Lines{"he", "ar"}));
  EXPECT_EQ(g.at("latin"), (Lines{"en", "fr", "de"}));
  EXPECT_EQ(g.at("one"), (Lines{"sw"}));
  EXPECT_TRUE(parse_groups({}).empty());
}

TEST(ParseGroups, Errors) {
  for (const std::string spec : {"nogroup", "=en,fr", "empty=", "commas=,,"}) {
    try {
      parse_groups({spec});
      ADD_FAILURE() << "accepted '" << spec << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(spec), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("NAME=lang"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace lq
