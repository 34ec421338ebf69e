#include "analysis/word_count.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/ubrk.h>
#include <unicode/unistr.h>

#include <memory>
#include <string>

#include "core/error.h"

namespace lq::analysis {

int64_t count_words(std::string_view utf8) {
  UErrorCode status = U_ZERO_ERROR;
  // The root locale's rules: the same segmentation for every language (dictionaries are chosen
  // by script, not by locale), so counts compare across a parallel corpus.
  thread_local std::unique_ptr<icu::BreakIterator> it(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  if (!it || U_FAILURE(status)) fail("ICU", std::string("cannot create a word break iterator: ") + u_errorName(status));
  const icu::UnicodeString text = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  it->setText(text);
  int64_t words = 0;
  for (int32_t end = it->next(); end != icu::BreakIterator::DONE; end = it->next())
    words += it->getRuleStatus() >= UBRK_WORD_NUMBER;  // NONE (spaces, punctuation) is below NUMBER
  return words;
}

}  // namespace lq::analysis
