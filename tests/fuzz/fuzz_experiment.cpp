// Experiment files: the first input byte picks TOML text or a JSON file, the rest is the
// experiment. What parses generates its plans for a 4-layer GPT-2-shaped model, and every
// generated plan must print as a line that parses back.
#include <algorithm>

#include "experiments/experiment.h"
#include "fuzz_util.h"

namespace {

lq::experiments::ModelShape gpt2_shape() {
  lq::experiments::ModelShape shape;
  shape.n_layer = 4;
  shape.tensor_names = {"token_embd.weight", "position_embd.weight", "output.weight", "output_norm.weight",
                        "output_norm.bias"};
  for (int l = 0; l < shape.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    for (const char* t : {"attn_norm", "attn_qkv", "attn_output", "ffn_norm", "ffn_up", "ffn_down"})
      for (const char* k : {".weight", ".bias"}) shape.tensor_names.push_back(b + t + k);
  }
  // A stand-in cost: each rule keeps 2% more, capped at everything.
  shape.overhead = [](const lq::quant::Plan& p) { return std::min(1.0, 0.02 * static_cast<double>(p.rules.size())); };
  return shape;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const lq::experiments::ModelShape shape = gpt2_shape();
  const unsigned form = lq::fuzz::take_selector(data, size) % 2;
  lq::fuzz::only_lq_errors([&] {
    const lq::experiments::Experiment e =
        form == 0 ? lq::experiments::parse_experiment_toml_text(std::string(reinterpret_cast<const char*>(data), size),
                                                                "fuzz.toml")
                  : lq::experiments::load_experiment(lq::fuzz::write_input("experiment.json", data, size));
    for (const auto& sp : lq::experiments::generate_plans(e, shape)) {
      const std::string line = lq::quant::plan_to_line(sp.plan);
      try {
        (void)lq::quant::parse_plan_line(line);
      } catch (const lq::Error& err) {
        lq::fuzz::finding("a generated plan prints as a line that does not parse", (line + "  <-  " + err.what()).c_str());
      }
    }
  });
  return 0;
}
