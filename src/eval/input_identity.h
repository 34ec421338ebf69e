// Hashes of what a resumable run reads besides the model (model/model_identity.h): the corpus
// text, and the token units cut from it. A store keeps both and refuses to resume on other
// ones: the corpus hash catches another or an edited corpus; the units hash catches the same
// text tokenized otherwise (another tokenizer, --mode, --ctx, --no-bos). Full content hashes:
// a corpus is small next to a model (10 million lines hash in about a second).
#pragma once
#include <string>

#include "eval/corpus.h"
#include "eval/units.h"

namespace lq {

// Language codes and every sentence, in order; 32 hex digits.
std::string corpus_hash(const Corpus& corpus);
// Every unit's language, ids and scored range; 32 hex digits.
std::string units_hash(const UnitSet& units);

}  // namespace lq
