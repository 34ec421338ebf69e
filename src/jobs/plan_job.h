// Jobs `plan show` and `plan apply`: how a quantization plan resolves on a checkpoint, tensor by
// tensor (format, kept share, bits, bytes; llama-quantize's reasons for a mixture base), and a
// checkpoint holding the plan's simulated weights.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace lq::jobs {

struct PlanSpec {
  std::string plan;                  // preset, plan file or one-line plan
  std::string model;                 // checkpoint folder or GGUF
  std::string base = "int4", keep = "fp16";  // a preset's base and keep formats
};

struct PlanShowResult {
  nlohmann::json json;  // the plan, every tensor and the totals (keys only present when set)
  std::string text;     // the table `plan show` prints
};

PlanShowResult run_plan_show(const PlanSpec& spec);

// Writes the simulated checkpoint to `out` (dtype f32, f16 or bf16 for the changed tensors) and
// returns the line `plan apply` prints.
std::string run_plan_apply(const PlanSpec& spec, const std::string& out, const std::string& dtype);

}  // namespace lq::jobs
