// Named recipes: the seeds' experiments (research brief §3) as built-in experiment files. Their
// layer terms (first, last, P%) adapt to the model's depth.
#pragma once
#include <string>
#include <vector>

#include "experiments/experiment.h"

namespace lq::experiments {

struct RecipeInfo {
  std::string name, seeds, description;  // seeds: which seed experiments it reproduces
};

const std::vector<RecipeInfo>& recipe_list();
// The recipe's experiment; throws naming the recipe when there is none.
Experiment load_recipe(const std::string& name);
// The recipe's TOML text (what `sweep --show-recipe` prints).
const std::string& recipe_text(const std::string& name);

}  // namespace lq::experiments
