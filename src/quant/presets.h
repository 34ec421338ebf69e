// The seeds' protection strategies by name, as plans that adapt to the model's depth (their
// rules use first/last/P% layer terms, resolved when the plan meets a model).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "quant/plan.h"

namespace lq::quant {

struct PresetInfo {
  std::string name;         // e.g. "L0+L9+L11+biases+ln_f", "magnitude-k"
  std::string description;  // one line
};

const std::vector<PresetInfo>& preset_list();

// The plan a preset name stands for, with base format `base` and protected parts at `keep`
// (the seeds: int4 and fp16). Names are matched case-insensitively; "magnitude-5" and
// "random-5" take k in percent, "random-5-seed3" a seed, "magnitude-global-5" ranks all
// tensors together. Returns false when `name` is no preset.
bool find_preset(std::string_view name, const Format& base, const Format& keep, Plan& out);

// The base format a preset is built over (--base, an experiment file's "base"). A llama.cpp
// mixture name (Q4_0, Q4_K_M ...) is refused, naming `where`: a preset's rules over it would
// silently be the plain block format (norms quantized), whereas a plan line 'base=Q4_0; ...'
// is the mixture. Lower case (q4_0) is the plain format.
Format parse_preset_base(const std::string& where, const std::string& name);

// A plan from the command line: a preset name, a .toml/.json file, or the one-line form.
Plan load_plan(const std::string& spec, const Format& base, const Format& keep);

}  // namespace lq::quant
