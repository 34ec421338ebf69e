#include "tokenizers/normalizer_unicode.h"

#include <unicode/unorm2.h>
#include <unicode/uset.h>
#include <unicode/ustring.h>

#include <vector>

#include "core/error.h"

namespace lq::tok {
namespace {

void check(UErrorCode status, const char* what);

// tokenizers normalizes with the unicode-normalization-alignments crate, whose tables are
// Unicode 9.0 (probed: no character added later is decomposed or composed). Decomposition
// mappings of existing characters never change (Unicode stability policy), so ICU's current
// normalizer restricted to the characters assigned by 9.0 gives the crate's results; later
// characters pass through unchanged.
const UNormalizer2* build_normalizer(NormalForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2* base = nullptr;
  switch (form) {
    case NormalForm::kNFC: base = unorm2_getNFCInstance(&status); break;
    case NormalForm::kNFD: base = unorm2_getNFDInstance(&status); break;
    case NormalForm::kNFKC: base = unorm2_getNFKCInstance(&status); break;
    case NormalForm::kNFKD: base = unorm2_getNFKDInstance(&status); break;
  }
  check(status, "no Unicode normalizer");
  static const UChar kPattern[] = u"[:age=9.0:]";
  USet* unicode_9 = uset_openPattern(kPattern, -1, &status);  // lives as long as the normalizer
  check(status, "Unicode 9.0 set");
  uset_freeze(unicode_9);
  UNormalizer2* filtered = unorm2_openFiltered(base, unicode_9, &status);
  check(status, "filtered normalizer");
  return filtered;
}

const UNormalizer2* icu_normalizer(NormalForm form) {
  // Built once per form and kept for the process lifetime (ICU objects are thread-safe to use).
  static const UNormalizer2* const normalizers[] = {build_normalizer(NormalForm::kNFC), build_normalizer(NormalForm::kNFD),
                                                    build_normalizer(NormalForm::kNFKC), build_normalizer(NormalForm::kNFKD)};
  return normalizers[static_cast<int>(form)];
}

void check(UErrorCode status, const char* what) {
  if (U_FAILURE(status)) fail("ICU", std::string(what) + ": " + u_errorName(status));
}

void run(const UNormalizer2* normalizer, std::string& text) {
  // ASCII is invariant under every normalization form: the common case costs one scan.
  bool ascii = true;
  for (const char c : text) ascii &= static_cast<unsigned char>(c) < 0x80;
  if (ascii) return;
  thread_local std::vector<UChar> in, out;
  UErrorCode status = U_ZERO_ERROR;
  int32_t in_len = 0;
  in.resize(text.size() + 1);
  u_strFromUTF8(in.data(), static_cast<int32_t>(in.size()), &in_len, text.data(), static_cast<int32_t>(text.size()), &status);
  check(status, "UTF-8 to UTF-16");
  if (unorm2_isNormalized(normalizer, in.data(), in_len, &status) && U_SUCCESS(status)) return;
  status = U_ZERO_ERROR;
  // Decompositions grow text at most 18-fold (NFKD of U+FDFA); grow on overflow anyway.
  out.resize(static_cast<size_t>(in_len) * 4 + 16);
  int32_t out_len = unorm2_normalize(normalizer, in.data(), in_len, out.data(), static_cast<int32_t>(out.size()), &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    status = U_ZERO_ERROR;
    out.resize(static_cast<size_t>(out_len) + 1);
    out_len = unorm2_normalize(normalizer, in.data(), in_len, out.data(), static_cast<int32_t>(out.size()), &status);
  }
  check(status, "normalize");
  int32_t utf8_len = 0;
  status = U_ZERO_ERROR;
  u_strToUTF8(nullptr, 0, &utf8_len, out.data(), out_len, &status);  // preflight
  text.resize(static_cast<size_t>(utf8_len));
  status = U_ZERO_ERROR;
  u_strToUTF8(text.data(), utf8_len, nullptr, out.data(), out_len, &status);
  if (status == U_STRING_NOT_TERMINATED_WARNING) status = U_ZERO_ERROR;
  check(status, "UTF-16 to UTF-8");
}

}  // namespace

UnicodeNormalizer::UnicodeNormalizer(NormalForm form) : normalizer_(icu_normalizer(form)) {}

void UnicodeNormalizer::normalize(std::string& text) const { run(normalizer_, text); }

void normalize_unicode(std::string& text, NormalForm form) { run(icu_normalizer(form), text); }

}  // namespace lq::tok
