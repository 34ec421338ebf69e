// Plans in their three forms: the first input byte picks one-line text, a TOML file or a JSON
// file, the rest is the plan. A plan that parses must print (plan_to_line) as a line that
// parses back to a plan printing the same line, and its layer sets must resolve or be refused
// by lq::Error on models of several depths.
#include "fuzz_util.h"
#include "quant/plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const unsigned form = lq::fuzz::take_selector(data, size) % 3;
  const std::string text(reinterpret_cast<const char*>(data), size);
  lq::fuzz::only_lq_errors([&] {
    lq::quant::Plan plan;
    if (form == 0) {
      plan = lq::quant::parse_plan_line(text);
    } else if (form == 1) {
      plan = lq::quant::parse_plan_toml(lq::fuzz::write_input("plan.toml", data, size));
    } else {
      plan = lq::quant::parse_plan_json(lq::fuzz::write_input("plan.json", data, size));
    }
    const std::string line = lq::quant::plan_to_line(plan);
    lq::quant::Plan again;
    try {
      again = lq::quant::parse_plan_line(line);
    } catch (const lq::Error& e) {
      lq::fuzz::finding("plan_to_line printed a line that does not parse", (line + "  <-  " + e.what()).c_str());
    }
    if (lq::quant::plan_to_line(again) != line)
      lq::fuzz::finding("plan_to_line does not round-trip", (line + "  !=  " + lq::quant::plan_to_line(again)).c_str());
    for (const lq::quant::Rule& rule : plan.rules) {
      for (int n_layer : {1, 12, 32}) {
        try {
          (void)lq::quant::resolve_layers(rule.layers, n_layer);
        } catch (const lq::Error&) {
        }
      }
    }
  });
  return 0;
}
