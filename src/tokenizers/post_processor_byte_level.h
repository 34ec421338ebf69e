// tokenizers' ByteLevel post-processor only trims offsets, which langquant does not track:
// for ids it changes nothing. It exists so that tokenizer.json files naming it load.
#pragma once
#include "tokenizers/pipeline.h"

namespace lq::tok {

class ByteLevelPostProcessor final : public PostProcessor {
 public:
  void process(std::vector<int32_t>& ids, bool add_special_tokens) const override {}
};

}  // namespace lq::tok
