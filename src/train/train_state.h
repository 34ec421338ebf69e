// Training checkpoints: OUT/step-NNNNNN/ holds a Hugging Face checkpoint (config.json,
// model.safetensors, tokenizer.json) plus optimizer.safetensors (AdamW moments under
// "exp_avg.<name>" / "exp_avg_sq.<name>") and trainer_state.json (step, the run's settings).
// A folder is written under a temporary name and renamed when complete, so a crash leaves
// either a whole checkpoint or none.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "train/adamw.h"
#include "train/gpt2_trainable.h"

namespace lq::train {

std::string step_dir(const std::string& out_dir, int64_t step);

void save_train_state(const std::string& out_dir, int64_t step, const Gpt2Trainable& model, AdamW& opt,
                      const std::string& tokenizer_json, const nlohmann::json& settings);

// The highest step with a complete checkpoint in out_dir, if any.
std::optional<int64_t> last_saved_step(const std::string& out_dir);

// Loads the model and the optimizer moments of a saved step; returns trainer_state.json.
nlohmann::json load_train_state(const std::string& out_dir, int64_t step, Gpt2Trainable& model, AdamW& opt);

}  // namespace lq::train
