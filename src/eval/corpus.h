// Multilingual corpora: a folder of <lang>.txt files (one sentence per line), a FLORES-style
// folder (dev/ or devtest/ holding eng_Latn.devtest-style files), or CoNLL-U files whose
// "# text = " lines are the sentences. Languages are named by code (the file stem; for
// CoNLL-U the part before the first '_' or '-', e.g. en_ewt-ud-test.conllu -> en).
#pragma once
#include <map>
#include <string>
#include <vector>

namespace lq {

struct LanguageText {
  std::string code;
  std::vector<std::string> sources;    // files it was read from
  std::vector<std::string> sentences;  // blank lines dropped, trailing '\r' removed
};

struct Corpus {
  std::string path;
  std::string layout;  // "txt", "flores:<split>", "conllu"
  std::vector<LanguageText> languages;  // sorted by code
};

// Loads and validates a corpus; `only` selects languages by code (empty: all). Errors name the
// file and line: unreadable paths, no language files, empty languages, invalid UTF-8, more
// than 1,000,000 sentences in one language.
Corpus load_corpus(const std::string& path, const std::vector<std::string>& only = {});

// Keeps the first `n` sentences of every language (n <= 0 keeps all): the analysis commands'
// --sentences, which sample a corpus the same way in every job.
void keep_first_sentences(Corpus& corpus, int n);

// Parses "name=a,b,c" group definitions.
std::map<std::string, std::vector<std::string>> parse_groups(const std::vector<std::string>& specs);

}  // namespace lq
