// tokenizers' TemplateProcessing for a single sequence, and BertProcessing/RobertaProcessing,
// which for one sequence are the fixed templates "[CLS] $A [SEP]" and "<s> $A </s>": with
// add_special_tokens the ids of the template's special tokens go around the sequence's ids.
// (langquant encodes single texts, so a template's "pair" part is never used.)
#pragma once
#include <vector>

#include "tokenizers/pipeline.h"

namespace lq::tok {

class TemplatePostProcessor final : public PostProcessor {
 public:
  // before / after: the ids the template puts around the sequence.
  TemplatePostProcessor(std::vector<int32_t> before, std::vector<int32_t> after)
      : before_(std::move(before)), after_(std::move(after)) {}
  void process(std::vector<int32_t>& ids, bool add_special_tokens) const override {
    if (!add_special_tokens) return;
    ids.insert(ids.begin(), before_.begin(), before_.end());
    ids.insert(ids.end(), after_.begin(), after_.end());
  }

 private:
  std::vector<int32_t> before_, after_;
};

}  // namespace lq::tok
