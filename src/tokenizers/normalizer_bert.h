// tokenizers' BertNormalizer, in its order:
//   clean_text           drops NUL, U+FFFD and control characters; whitespace becomes " ";
//   handle_chinese_chars puts spaces around CJK ideographs, so each becomes its own word;
//   strip_accents        NFD, then drops nonspacing marks (null: follows lowercase);
//   lowercase            Rust's char::to_lowercase.
#pragma once
#include "tokenizers/pipeline.h"

namespace lq::tok {

class BertNormalizer final : public Normalizer {
 public:
  BertNormalizer(bool clean_text, bool handle_chinese_chars, bool strip_accents, bool lowercase)
      : clean_text_(clean_text), handle_chinese_chars_(handle_chinese_chars), strip_accents_(strip_accents),
        lowercase_(lowercase) {}
  void normalize(std::string& text) const override;

 private:
  bool clean_text_, handle_chinese_chars_, strip_accents_, lowercase_;
};

}  // namespace lq::tok
