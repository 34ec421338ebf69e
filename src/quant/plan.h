// A quantization plan: which number format every tensor of a model gets. A plan is a base
// format plus ordered rules; a rule's selectors must all match, and later rules win. Plans are
// written as a one-line form, a TOML file or a JSON file; plan_help() documents all three.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/tensor_info.h"
#include "quant/format.h"

namespace lq::quant {

// One term of a layer set, resolved against the model's depth n.
struct LayerTerm {
  enum Kind { Index, Range, Odd, Even, First, Last, Depth } kind = Index;
  int a = 0, b = 0;  // Index: a (negative = from the end); Range: a..b; First/Last: count a; Depth: a percent
};

struct ElementSelector {
  enum Kind { None, Top, Random } kind = None;
  double percent = 0;   // k in percent, 0 < k <= 100
  bool global = false;  // Top/Random: over all tensors the rule selects, not per tensor
  uint64_t seed = 0;    // Random
  // Top ranks by |w| of the original weights, or, when fisher_file is set (by=fisher:FILE:SETS),
  // by the importance tensors `langquant fisher` wrote: per element the max over fisher_sets
  // (languages, group:<g> or max; empty = every language in the file) of F_set / mean(F_set).
  std::string fisher_file;
  std::vector<std::string> fisher_sets;
  // Or, when neurons_file is set (by=neurons:FILE:LANGS), whole feed-forward units ranked by how
  // specific they are to neurons_langs (empty = every language in the file): see
  // quant/neuron_selection.h.
  std::string neurons_file;
  std::vector<std::string> neurons_langs;
};

struct Rule {
  std::vector<std::string> names;           // canonical-name globs (* and ?); any may match a role
  std::vector<LayerTerm> layers;            // empty: any tensor; else only block tensors in the set
  std::vector<TensorKind> kinds;            // empty: any
  std::vector<Component> components;        // empty: any
  ElementSelector elements;                 // None: the whole tensor
  Format format;                            // the format the selected tensors/elements get
  std::string text;                         // the rule in one-line syntax (for reports)

  bool selects_tensor(const TensorInfo& t, int n_layer) const;
};

struct Plan {
  std::string name;
  Format base;  // with a mixture: the mixture's default type (Q4_K_M -> q4_k)
  std::vector<Rule> rules;
  // A llama.cpp mixture as base ("Q4_K_M", see llama_mixture.h): every tensor gets the type
  // llama-quantize chooses, and whole-tensor rules act as its --tensor-type overrides.
  std::string mixture;
  bool pure = false;                          // llama-quantize --pure
  std::optional<Format> output_type;          // --output-tensor-type
  std::optional<Format> token_embd_type;      // --token-embedding-type
  // llama.cpp importance matrix (imatrix=SPEC, as load_imatrix_spec reads it: "FILE" or
  // "F:MIX"): ggml block formats of matrices quantize with its column weights, as llama-quantize
  // --imatrix does. Empty: none.
  std::string imatrix;
};

// The layers of a model with n_layer blocks that a layer set names (sorted, unique); throws
// when an index is outside the model.
std::vector<int> resolve_layers(const std::vector<LayerTerm>& terms, int n_layer);

// Parsers; every error names the plan (file or text) and the offending piece.
Plan parse_plan_line(std::string_view text);
Plan parse_plan_toml(const std::string& path);
Plan parse_plan_json(const std::string& path);
// A plan held as a JSON value with a .json plan file's layout (a Python dict); `where` names it.
Plan parse_plan_value(const nlohmann::json& j, const std::string& where);
Rule parse_rule(std::string_view clause);  // "keep FMT key=value ..."

// The one-line form of a plan (parses back to the same plan).
std::string plan_to_line(const Plan& p);
// The same with the name first ("plan=NAME; base=..."), for a plan that must keep its name.
std::string plan_to_named_line(const Plan& p);

// Grammar of plans for --help and the docs.
const std::string& plan_help();

// Glob with '*' (any run, dots included) and '?' (one character).
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace lq::quant
