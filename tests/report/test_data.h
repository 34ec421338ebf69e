// A small comparison in the JSON shape of src/eval/comparison_output.cpp, built in code so each
// test states the numbers it relies on.
#pragma once
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lq::report::testing {

struct PlanSpec {
  std::string name;
  double overhead;
  nlohmann::json tags;
  double lr_disparity;  // NaN: unstable
  double gap;
  std::string line = "";  // the plan line; default "desc <name>"
};

inline nlohmann::json comparison(const std::vector<PlanSpec>& plans, const std::string& model = "m") {
  using nlohmann::json;
  json j = {{"model", model}, {"corpus", "c"}, {"mode", "sentence"}, {"n_ctx", 64}, {"bos", true},
            {"reference_language", "en"}, {"interval", "95% paired percentile bootstrap over units, 100 replicates"}};
  j["plans"] = json::array({{{"name", "full-precision"}, {"plan", "fp"}, {"overhead", 0.0}, {"size_bytes", 4e6},
                             {"bits_per_weight", 32.0}}});
  j["rows"] = json::array();
  j["groups"] = json::array();
  for (const auto& p : plans) {
    json e = {{"name", p.name}, {"plan", p.line.empty() ? "desc " + p.name : p.line}, {"overhead", p.overhead}, {"size_bytes", 1e6},
              {"bits_per_weight", 4.5}};
    if (!p.tags.is_null()) e["tags"] = p.tags;
    j["plans"].push_back(e);
    for (const char* lang : {"en", "he"}) {
      const bool ref = std::string(lang) == "en";
      json r = {{"plan", p.name}, {"lang", lang}, {"degradation", 0.1}, {"degradation_lo", 0.05},
                {"degradation_hi", 0.2}, {"delta_bpb", ref ? 0.01 : 0.01 + p.gap}, {"kl", 0.1}, {"top1", 0.9}};
      if (std::isnan(p.lr_disparity)) {
        r["disparity"] = r["disparity_lo"] = r["disparity_hi"] = nullptr;
        r["disparity_unstable"] = true;
      } else {
        r["disparity"] = ref ? 1.0 : p.lr_disparity;
        r["disparity_lo"] = r["disparity_hi"] = r["disparity"];
        r["disparity_unstable"] = false;
      }
      j["rows"].push_back(r);
    }
    json g = {{"plan", p.name}, {"group", "lr"}, {"delta_bpb_gap", p.gap}, {"delta_bpb_gap_lo", p.gap - 0.01},
              {"delta_bpb_gap_hi", p.gap + 0.01}};
    if (std::isnan(p.lr_disparity)) {
      g["lr_disparity"] = nullptr;
      g["lr_disparity_unstable"] = true;
    } else {
      g["lr_disparity"] = p.lr_disparity;
      g["lr_disparity_lo"] = p.lr_disparity * 0.9;
      g["lr_disparity_hi"] = p.lr_disparity * 1.1;
      g["lr_disparity_unstable"] = false;
    }
    j["groups"].push_back(g);
  }
  return j;
}

inline nlohmann::json layer_tag(int n) { return {{"axis", "layer"}, {"layer", n}}; }

}  // namespace lq::report::testing
