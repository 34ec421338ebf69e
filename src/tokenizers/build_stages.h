// Builders of each pipeline stage from its tokenizer.json object. A type langquant does not
// implement is an error naming it, never skipped, because a silently missing stage would give
// plausible but wrong ids. A JSON null gives a null stage.
#pragma once
#include <memory>

#include "tokenizers/json_fields.h"
#include "tokenizers/pipeline.h"

namespace lq::tok {

std::unique_ptr<Normalizer> build_normalizer(const Json& j, const JsonPlace& place);
std::unique_ptr<PreTokenizer> build_pre_tokenizer(const Json& j, const JsonPlace& place);
std::unique_ptr<Model> build_model(const Json& j, const JsonPlace& place);
std::unique_ptr<PostProcessor> build_post_processor(const Json& j, const JsonPlace& place);
std::unique_ptr<Decoder> build_decoder(const Json& j, const JsonPlace& place);

}  // namespace lq::tok
