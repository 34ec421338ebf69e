// Job `inspect`: what a checkpoint is, tensor by tensor, under both names (Hugging Face and the
// canonical GGUF vocabulary), as JSON and as the table `langquant inspect` prints.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace lq::jobs {

struct InspectResult {
  nlohmann::json json;  // architecture, config, parameters, tensors, unused_tensors
  std::string text;
};

InspectResult run_inspect(const std::string& checkpoint);

}  // namespace lq::jobs
