// tokenizers' NFC, NFD, NFKC and NFKD normalizers, through ICU's Normalizer2.
#pragma once
#include <string>

#include "tokenizers/pipeline.h"

struct UNormalizer2;

namespace lq::tok {

enum class NormalForm { kNFC, kNFD, kNFKC, kNFKD };

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(NormalForm form);
  void normalize(std::string& text) const override;

 private:
  const UNormalizer2* normalizer_;  // owned by ICU
};

// The text in the given form (also used by BertNormalizer's strip_accents).
void normalize_unicode(std::string& text, NormalForm form);

}  // namespace lq::tok
