#include <algorithm>

#include "core/error.h"
#include "model/arch.h"

namespace lq {
namespace {
const std::vector<const Architecture*>& registry() {
  static const std::vector<const Architecture*> r = {&gpt2_architecture(), &llama_architecture(), &opt_architecture(),
                                                        &gpt_neox_architecture(), &bloom_architecture(),
                                                        &bert_architecture(), &gemma3_architecture()};
  return r;
}
}  // namespace

const Architecture& find_architecture(const ModelConfig& config) {
  if (config.model_type().empty()) fail(config.path(), "missing required key 'model_type'");
  for (const Architecture* a : registry())
    for (const auto& t : a->model_types)
      if (t == config.model_type()) return *a;
  std::string known;
  for (const auto& n : architecture_names()) known += (known.empty() ? "" : ", ") + n;
  fail(config.path(), "unknown architecture model_type '" + config.model_type() + "' (supported: " + known + ")");
}

std::vector<std::string> architecture_names() {
  std::vector<std::string> out;
  for (const Architecture* a : registry())
    for (const auto& t : a->model_types) out.push_back(t);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace lq
