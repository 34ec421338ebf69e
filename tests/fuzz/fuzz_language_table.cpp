// The language table a user passes with `correlate --languages FILE` (analysis/language_metadata.h),
// over the built-in one. An accepted file must print (to_tsv) as a table that reads back to
// itself: no cell may smuggle a tab, a newline or a comment line into the output.
#include "analysis/language_metadata.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lq::fuzz::write_input("languages.tsv", data, size);
  lq::fuzz::only_lq_errors([&] {
    const auto t = lq::analysis::LanguageTable::with_overrides(lq::analysis::LanguageTable::builtin(), path);
    const std::string text = t.to_tsv();
    const std::string again = lq::fuzz::write_input("again.tsv", reinterpret_cast<const uint8_t*>(text.data()), text.size());
    const auto u = lq::analysis::LanguageTable::with_overrides(lq::analysis::LanguageTable::builtin(), again);
    if (u.to_tsv() != text) lq::fuzz::finding("the printed table does not read back to itself", text.substr(0, 200).c_str());
  });
  return 0;
}
