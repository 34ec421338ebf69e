#include "experiments/run_identity.h"

#include "eval/input_identity.h"
#include "model/model_identity.h"

namespace lq::experiments {

nlohmann::json run_identity(const Model& model, const Corpus& corpus, const UnitSet& units) {
  return {{"model", model_identity(model)}, {"corpus", corpus_hash(corpus)}, {"units", units_hash(units)}};
}

}  // namespace lq::experiments
