// Experiment files: a sweep of quantization plans generated along axes (research brief §3).
// An experiment is TOML or JSON with a name, a base and keep format, and a list of axes; each
// axis generates plans in the plan language (quant/plan.h), every plan tagged with where it
// sits on its axis ({"axis":"layers","layers":[3],"component":"mlp"}) so reports can chart
// them. experiment_help() documents the format. Layer terms (first, last, P%, negative
// indices) resolve against the model's depth when the plans are generated, so one experiment
// fits every model.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "quant/plan.h"

namespace lq::experiments {

struct SweepPlan {
  std::string name;
  quant::Plan plan;
  nlohmann::json tags;  // object; "axis" always present
};

struct Experiment {
  std::string name, description;
  std::string source;           // file or "recipe NAME": where errors point
  quant::Format base, keep;     // default int4 / fp16
  nlohmann::json axes;          // array of axis objects, as written
  bool length_buckets = false;  // exports also compare short / medium / long sentences
};

// What generation needs to know about the model.
struct ModelShape {
  int n_layer = 0;
  std::vector<std::string> tensor_names;  // every canonical name (all roles)
  // Overhead (share of parameters kept above base) of a plan on the model; for matched axes.
  std::function<double(const quant::Plan&)> overhead;
};

// Parses an experiment from a .toml or .json file, or from TOML text (recipes).
Experiment load_experiment(const std::string& path);
Experiment parse_experiment_toml_text(const std::string& text, const std::string& source);
Experiment experiment_from_json(const nlohmann::json& j, const std::string& source);

// Every plan of the experiment, in axis order; a plan generated twice with the same rules is
// kept once, two different plans with one name are an error.
std::vector<SweepPlan> generate_plans(const Experiment& e, const ModelShape& shape);

// The layers a list of terms names on a model of n_layer blocks: integers (negative: from the
// end), "first", "last", "P%" (floor(P/100 * n_layer)); sorted, unique.
std::vector<int> resolve_layer_terms(const nlohmann::json& terms, int n_layer, const std::string& where);

const std::string& experiment_help();

}  // namespace lq::experiments
