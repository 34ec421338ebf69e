// The identity a resumable store records of its inputs: {"model": model_identity,
// "corpus": corpus_hash, "units": units_hash} (model/model_identity.h, eval/input_identity.h).
#pragma once
#include <nlohmann/json.hpp>

#include "eval/corpus.h"
#include "eval/units.h"
#include "model/model.h"

namespace lq::experiments {

nlohmann::json run_identity(const Model& model, const Corpus& corpus, const UnitSet& units);

}  // namespace lq::experiments
