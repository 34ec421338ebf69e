#include "eval/corpus.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/mapped_file.h"
#include "core/utf8.h"

namespace lq {
namespace fs = std::filesystem;
namespace {

// Every command scores every sentence it is given, so a corpus far beyond any evaluation set
// (FLORES: 1,012 sentences per language) would run for days: it is refused while reading, at
// once, rather than after minutes of tokenization.
constexpr size_t kMaxSentencesPerLanguage = 1000000;

[[noreturn]] void too_many_sentences(const std::string& path) {
  fail(path, "more than " + std::to_string(kMaxSentencesPerLanguage) +
                 " sentences in one language (langquant scores every one): take a sample, e.g. head -n 100000");
}

std::vector<std::string> split_lines(const std::string& path, const std::string& text, bool conllu) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  for (size_t no = 1; std::getline(in, line); ++no) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 byte order mark
    if (const size_t bad = utf8_first_invalid(line); bad != std::string::npos)
      fail(path, "line " + std::to_string(no) + ": invalid UTF-8 at byte " + std::to_string(bad + 1));
    if (conllu) {
      static const std::string kPrefix = "# text = ";
      if (line.rfind(kPrefix, 0) != 0) continue;
      line.erase(0, kPrefix.size());
    }
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (out.size() == kMaxSentencesPerLanguage) too_many_sentences(path);
    out.push_back(std::move(line));
  }
  return out;
}

std::string conllu_language(const fs::path& p) {
  const std::string stem = p.stem().string();
  return stem.substr(0, stem.find_first_of("_-"));
}

void add_file(std::map<std::string, LanguageText>& langs, const std::string& code, const fs::path& p, bool conllu) {
  const std::string path = p.string();
  auto sentences = split_lines(path, read_file(path), conllu);
  if (sentences.empty()) fail(path, conllu ? "no '# text = ' lines" : "no sentences (file is empty)");
  LanguageText& lt = langs[code];
  if (lt.sentences.size() + sentences.size() > kMaxSentencesPerLanguage) too_many_sentences(path);
  lt.code = code;
  lt.sources.push_back(path);
  for (auto& s : sentences) lt.sentences.push_back(std::move(s));
}

std::vector<fs::path> sorted_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file()) files.push_back(it->path());
  if (ec) fail(dir.string(), "cannot list folder: " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

void keep_first_sentences(Corpus& corpus, int n) {
  if (n <= 0) return;
  for (auto& l : corpus.languages)
    if (l.sentences.size() > static_cast<size_t>(n)) l.sentences.resize(static_cast<size_t>(n));
}

Corpus load_corpus(const std::string& path, const std::vector<std::string>& only) {
  Corpus c;
  c.path = path;
  std::map<std::string, LanguageText> langs;
  const fs::path root(path);
  if (!fs::exists(root)) fail(path, "no such corpus file or folder");
  if (!fs::is_regular_file(root) && !fs::is_directory(root))
    fail(path, "not a regular file or folder (expected a corpus folder or a text file)");
  if (fs::is_regular_file(root)) {
    const bool conllu = root.extension() == ".conllu";
    c.layout = conllu ? "conllu" : "txt";
    add_file(langs, conllu ? conllu_language(root) : root.stem().string(), root, conllu);
  } else {
    fs::path flores;
    for (const char* split : {"devtest", "dev"})
      if (fs::is_directory(root / split)) {
        flores = root / split;
        c.layout = std::string("flores:") + split;
        break;
      }
    const auto files = sorted_files(flores.empty() ? root : flores);
    for (const auto& f : files) {
      const std::string ext = f.extension().string();
      if (!flores.empty() && (ext == ".dev" || ext == ".devtest")) {
        add_file(langs, f.stem().string(), f, false);
      } else if (flores.empty() && ext == ".txt") {
        c.layout = "txt";
        add_file(langs, f.stem().string(), f, false);
      } else if (flores.empty() && ext == ".conllu") {
        c.layout = "conllu";
        add_file(langs, conllu_language(f), f, true);
      }
    }
    if (langs.empty())
      fail(path, "no language files (expected <lang>.txt, *.conllu, or dev/ or devtest/ with FLORES files)");
  }
  std::set<std::string> wanted(only.begin(), only.end());
  for (const auto& w : wanted)
    if (!langs.count(w)) fail(path, "has no language '" + w + "'");
  for (auto& [code, lt] : langs)
    if (wanted.empty() || wanted.count(code)) c.languages.push_back(std::move(lt));
  return c;
}

std::map<std::string, std::vector<std::string>> parse_groups(const std::vector<std::string>& specs) {
  std::map<std::string, std::vector<std::string>> groups;
  for (const auto& spec : specs) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      fail("--group " + spec, "expected NAME=lang,lang,...");
    std::vector<std::string> members;
    std::istringstream in(spec.substr(eq + 1));
    for (std::string m; std::getline(in, m, ',');)
      if (!m.empty()) members.push_back(m);
    if (members.empty()) fail("--group " + spec, "expected NAME=lang,lang,...");
    groups[spec.substr(0, eq)] = members;
  }
  return groups;
}

}  // namespace lq
