// Corpus readers: <lang>.txt folders, FLORES dev/devtest folders, CoNLL-U files, and single
// files. Input: a selector byte (layout; high bit: select the first language only), then files
// separated by NUL bytes, each "<stem>\n<contents>"; stems are reduced to safe file-name bytes.
// Whatever loads must hold only non-empty languages of non-empty, valid UTF-8 sentences.
#include <vector>

#include "core/utf8.h"
#include "eval/corpus.h"
#include "fuzz_util.h"

namespace {

std::string safe_stem(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40))
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')
      out += c;
  if (out.empty() || out == "." || out == "..") out = "xx";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = lq::fuzz::fs;
  const unsigned selector = lq::fuzz::take_selector(data, size);
  const unsigned layout = (selector & 0x7f) % 6;
  const fs::path root = lq::fuzz::scratch_dir() / "corpus";
  fs::remove_all(root);
  const fs::path folder = layout == 1 ? root / "dev" : layout == 2 ? root / "devtest" : root;
  fs::create_directories(folder);
  const char* ext = layout == 0 || layout == 4 ? ".txt" : layout == 1 ? ".dev" : layout == 2 ? ".devtest" : ".conllu";

  std::vector<std::string> stems;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (stems.size() < 6) {
    const size_t nul = rest.find('\0');
    const std::string_view file = rest.substr(0, nul);
    const size_t eol = file.find('\n');
    const std::string stem = safe_stem(file.substr(0, eol));
    const std::string_view contents = eol == std::string_view::npos ? std::string_view() : file.substr(eol + 1);
    lq::fuzz::write_bytes(folder / (stem + ext), contents.data(), contents.size());
    stems.push_back(stem);
    if (nul == std::string_view::npos) break;
    rest.remove_prefix(nul + 1);
  }
  // Layouts 4 and 5: the first file given alone.
  const std::string path = layout >= 4 ? (folder / (stems[0] + ext)).string() : root.string();
  std::vector<std::string> only;
  if (selector & 0x80) only.push_back(stems[0]);

  lq::fuzz::only_lq_errors([&] {
    const lq::Corpus corpus = lq::load_corpus(path, only);
    for (const lq::LanguageText& lang : corpus.languages) {
      if (lang.sentences.empty()) lq::fuzz::finding("a language without sentences", lang.code.c_str());
      for (const std::string& s : lang.sentences) {
        if (s.empty()) lq::fuzz::finding("an empty sentence", lang.code.c_str());
        if (lq::utf8_first_invalid(s) != std::string::npos) lq::fuzz::finding("invalid UTF-8 sentence", lang.code.c_str());
      }
    }
  });
  return 0;
}
