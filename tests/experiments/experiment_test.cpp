// Plan generation along axes: names, rules and tags, depth adaptation, and bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "experiments/experiment.h"

namespace lq::experiments {
namespace {

using nlohmann::json;

// A GPT-2-like model shape: fused qkv, no ffn_gate.
ModelShape gpt2_shape(int n_layer) {
  ModelShape s;
  s.n_layer = n_layer;
  for (const char* n : {"token_embd.weight", "position_embd.weight", "output_norm.weight", "output.weight"})
    s.tensor_names.push_back(n);
  for (int l = 0; l < n_layer; ++l)
    for (const char* p : {"attn_norm.weight", "attn_qkv.weight", "attn_qkv.bias", "attn_output.weight", "ffn_norm.weight",
                          "ffn_up.weight", "ffn_down.weight"})
      s.tensor_names.push_back("blk." + std::to_string(l) + "." + p);
  s.overhead = [](const quant::Plan&) { return 0.1146; };
  return s;
}

Experiment exp(const char* toml) { return parse_experiment_toml_text(toml, "test.toml"); }

std::string line(const SweepPlan& p) { return quant::plan_to_line(p.plan); }

TEST(Experiment, OneLayerAtATimeWithComponent) {
  const auto plans = generate_plans(exp("[[axis]]\ntype = \"layers\"\ncomponents = [\"ffn\"]\n"), gpt2_shape(12));
  ASSERT_EQ(plans.size(), 12u);
  for (int l = 0; l < 12; ++l) {
    EXPECT_EQ(plans[l].name, "L" + std::to_string(l) + "-mlp");
    EXPECT_EQ(plans[l].tags["layer"], l);
    EXPECT_EQ(plans[l].tags["component"], "mlp");
    EXPECT_EQ(plans[l].tags["axis"], "layers");
    // The rule keeps exactly that layer's MLP.
    ASSERT_EQ(plans[l].plan.rules.size(), 1u);
    const auto& r = plans[l].plan.rules[0];
    EXPECT_EQ(quant::resolve_layers(r.layers, 12), std::vector<int>{l});
    ASSERT_EQ(r.components.size(), 1u);
    EXPECT_EQ(r.components[0], Component::Mlp);
    EXPECT_EQ(quant::canonical_name(r.format), "fp16");
    EXPECT_EQ(quant::canonical_name(plans[l].plan.base), "int4");
  }
}

TEST(Experiment, PairsTriplesAndDepthAdaptation) {
  const char* t = "[[axis]]\ntype=\"layers\"\nmode=\"pairs\"\nlayers=[\"first\",\"75%\",\"last\"]\n"
                  "[[axis]]\ntype=\"layers\"\nmode=\"triples\"\nlayers=[\"first\",\"75%\",\"last\"]\n";
  auto p12 = generate_plans(exp(t), gpt2_shape(12));
  ASSERT_EQ(p12.size(), 4u);
  EXPECT_EQ(p12[0].name, "L0+L9");
  EXPECT_EQ(p12[1].name, "L0+L11");
  EXPECT_EQ(p12[2].name, "L9+L11");
  EXPECT_EQ(p12[3].name, "L0+L9+L11");
  EXPECT_EQ(p12[3].tags["layers"], json::array({0, 9, 11}));
  auto p24 = generate_plans(exp(t), gpt2_shape(24));
  EXPECT_EQ(p24[3].name, "L0+L18+L23");
  // All pairs of 6 layers: C(6,2) = 15; triples: C(6,3) = 20.
  EXPECT_EQ(generate_plans(exp("[[axis]]\ntype=\"layers\"\nmode=\"pairs\"\n"), gpt2_shape(6)).size(), 15u);
  EXPECT_EQ(generate_plans(exp("[[axis]]\ntype=\"layers\"\nmode=\"triples\"\n"), gpt2_shape(6)).size(), 20u);
}

TEST(Experiment, ParityAndCanonicalParts) {
  auto p = generate_plans(exp("[[axis]]\ntype=\"layers\"\nmode=\"parity\"\ncomponents=[\"\",\"attn\"]\n"), gpt2_shape(4));
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].name, "odd-layers");
  EXPECT_EQ(p[1].name, "even-layers");
  EXPECT_EQ(p[3].name, "even-layers-attn");
  EXPECT_EQ(quant::resolve_layers(p[0].plan.rules[0].layers, 4), (std::vector<int>{1, 3}));
  // A canonical part becomes a name glob; parts the model lacks are skipped only when asked.
  p = generate_plans(exp("[[axis]]\ntype=\"layers\"\nlayers=[0]\ncomponents=[\"ffn_up\",\"ffn_gate\"]\nskip_missing=true\n"),
                     gpt2_shape(2));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].name, "L0-ffn_up");
  EXPECT_EQ(p[0].plan.rules[0].names, std::vector<std::string>{"blk.*.ffn_up.*"});
  EXPECT_THROW(generate_plans(exp("[[axis]]\ntype=\"layers\"\ncomponents=[\"ffn_gate\"]\n"), gpt2_shape(2)), Error);
}

TEST(Experiment, ThresholdsRandomAndPrecision) {
  auto p = generate_plans(exp("[[axis]]\ntype=\"magnitude\"\npercents=[1,3,5,10]\n"
                              "[[axis]]\ntype=\"random\"\npercents=[5]\nseeds=[0,1,2]\n"), gpt2_shape(2));
  ASSERT_EQ(p.size(), 7u);
  EXPECT_EQ(p[2].name, "magnitude-5");
  EXPECT_EQ(p[2].plan.rules[0].elements.kind, quant::ElementSelector::Top);
  EXPECT_DOUBLE_EQ(p[2].plan.rules[0].elements.percent, 5);
  EXPECT_EQ(p[6].name, "random-5-seed2");
  EXPECT_EQ(p[6].plan.rules[0].elements.seed, 2u);
  EXPECT_EQ(p[6].tags["seed"], 2);
  p = generate_plans(exp("[[axis]]\ntype=\"precision\"\nbases=[\"int2\",\"int8\"]\nkeeps=[\"fp16\",\"int8\"]\n"
                         "protect=\"L0+L11\"\n"), gpt2_shape(12));
  ASSERT_EQ(p.size(), 6u);  // per base: alone, +fp16, +int8
  EXPECT_EQ(p[0].name, "int2");
  EXPECT_TRUE(p[0].plan.rules.empty());
  EXPECT_EQ(p[2].name, "int2+int8:L0+L11");
  EXPECT_EQ(quant::canonical_name(p[2].plan.base), "int2");
  EXPECT_EQ(quant::canonical_name(p[2].plan.rules[0].format), "int8");
  EXPECT_EQ(p[2].tags["keep"], "int8");
}

TEST(Experiment, MatchedOverheadUsesTheReferencesOverhead) {
  auto p = generate_plans(exp("[[axis]]\ntype=\"matched\"\nreference=\"L0+L11+ln_f+biases\"\nseeds=[0,1]\n"), gpt2_shape(12));
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].name, "L0+L11+ln_f+biases");
  EXPECT_EQ(p[1].name, "magnitude@L0+L11+ln_f+biases");
  EXPECT_DOUBLE_EQ(p[1].plan.rules[0].elements.percent, 11.46);  // overhead 0.1146 in percent
  EXPECT_EQ(p[3].name, "random@L0+L11+ln_f+biases-seed1");
  EXPECT_EQ(p[3].plan.rules[0].elements.kind, quant::ElementSelector::Random);
}

// Exp-014: per percent, the units of each language set against magnitude and random on the same
// ffn weights, all at ceil(k% * n_ff) / n_ff: with n_ff 3072, 1% is 31 units = 1.009114583%.
TEST(Experiment, NeuronsAxisMatchesWholeUnits) {
  const auto file = std::filesystem::temp_directory_path() / "lq_exp_neurons.json";
  std::ofstream(file) << R"({"kind": "langquant.neurons", "n_ff": 3072})";
  const std::string toml = "[[axis]]\ntype = \"neurons\"\nfile = \"" + file.string() +
                           "\"\nlangs = [\"ar,he\", \"\"]\npercents = [1]\nseeds = [4]\n";
  const auto plans = generate_plans(exp(toml.c_str()), gpt2_shape(12));
  ASSERT_EQ(plans.size(), 4u);
  EXPECT_EQ(plans[0].name, "neurons-1-ar+he");
  EXPECT_EQ(plans[1].name, "neurons-1");
  EXPECT_EQ(plans[2].name, "ffn-magnitude-1");
  EXPECT_EQ(plans[3].name, "ffn-random-1-seed4");
  const std::string ffn = "name=blk.*.ffn_up.weight,blk.*.ffn_gate.weight,blk.*.ffn_down.weight";
  EXPECT_EQ(plans[0].plan.rules.at(0).text, "keep fp16 " + ffn + " top=1.009114583% by=neurons:" + file.string() + ":ar,he");
  EXPECT_EQ(plans[2].plan.rules.at(0).text, "keep fp16 " + ffn + " top=1.009114583%");
  EXPECT_EQ(plans[3].plan.rules.at(0).text, "keep fp16 " + ffn + " random=1.009114583% seed=4");
  EXPECT_EQ(plans[0].tags["role"], "neurons");
  EXPECT_EQ(plans[0].tags["langs"], "ar,he");
  EXPECT_EQ(plans[3].tags["seed"], 4);
  EXPECT_THROW(generate_plans(exp("[[axis]]\ntype = \"neurons\"\npercents = [1]\n"), gpt2_shape(12)), Error);
}

TEST(Experiment, PlansAxisDeduplicatesAndRejectsNameClashes) {
  auto p = generate_plans(exp("[[axis]]\ntype=\"plans\"\nplans=[\"none\",\"L0+L11\"]\n"
                              "[[axis]]\ntype=\"plans\"\nplans=[\"L0+L11\"]\n"), gpt2_shape(12));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].tags["plan"], "L0+L11");
  EXPECT_THROW(generate_plans(exp("[[axis]]\ntype=\"plans\"\nplans=[{name=\"x\",plan=\"base=int4\"},"
                                  "{name=\"x\",plan=\"base=int8\"}]\n"), gpt2_shape(2)), Error);
}

TEST(Experiment, BadInputNamesTheFileAndTheProblem) {
  auto msg = [](const char* t, int n_layer = 4) {
    try {
      generate_plans(exp(t), gpt2_shape(n_layer));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(msg("[[axis]]\ntype=\"bogus\"\n").find("test.toml: axis 1 (bogus): unknown axis type"), std::string::npos);
  EXPECT_NE(msg("[[axis]]\ntype=\"layers\"\nlayers=[7]\n").find("outside the model's 4 layers"), std::string::npos);
  EXPECT_NE(msg("[[axis]]\ntype=\"layers\"\nlayrs=[1]\n").find("unknown key 'layrs'"), std::string::npos);
  EXPECT_NE(msg("[[axis]]\ntype=\"magnitude\"\npercents=[0]\n").find("outside (0, 100]"), std::string::npos);
  EXPECT_NE(msg("[[axis]]\ntype=\"precision\"\nbases=[\"int99\"]\n").find("test.toml"), std::string::npos);
  EXPECT_THROW(exp("axis = 3\n"), Error);
  EXPECT_THROW(exp("name = \"x\"\n"), Error);           // no axis
  EXPECT_THROW(exp("[[axis]]\ntype = \n"), Error);      // TOML syntax
  EXPECT_THROW(exp("bogus = 1\n[[axis]]\ntype=\"plans\"\nplans=[\"none\"]\n"), Error);
}

TEST(Experiment, LayerTerms) {
  EXPECT_EQ(resolve_layer_terms(json::array({-1, "first", "75%", 3}), 12, "x"), (std::vector<int>{0, 3, 9, 11}));
  EXPECT_EQ(resolve_layer_terms(json("last"), 2, "x"), std::vector<int>{1});
  EXPECT_EQ(resolve_layer_terms(json("100%"), 2, "x"), std::vector<int>{1});
  EXPECT_THROW(resolve_layer_terms(json::array({-3}), 2, "x"), Error);
  EXPECT_THROW(resolve_layer_terms(json("middle"), 2, "x"), Error);
}

}  // namespace
}  // namespace lq::experiments
