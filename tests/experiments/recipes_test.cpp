// Every recipe parses, generates uniquely named valid plans on shallow and deep models, and
// covers the seeds' experiments the brief lists.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "experiments/recipes.h"

namespace lq::experiments {
namespace {

ModelShape shape(int n_layer) {
  ModelShape s;
  s.n_layer = n_layer;
  for (const char* n : {"token_embd.weight", "output_norm.weight"}) s.tensor_names.push_back(n);
  for (int l = 0; l < n_layer; ++l)
    for (const char* p : {"attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight", "ffn_up.weight",
                          "ffn_gate.weight", "ffn_down.weight"})
      s.tensor_names.push_back("blk." + std::to_string(l) + "." + p);
  s.overhead = [](const quant::Plan&) { return 0.05; };
  return s;
}

TEST(Recipes, EveryRecipeGeneratesOnShallowAndDeepModels) {
  for (const auto& r : recipe_list()) {
    for (int n : {2, 12, 32}) {
      SCOPED_TRACE(r.name + " on " + std::to_string(n) + " layers");
      const auto plans = generate_plans(load_recipe(r.name), shape(n));
      ASSERT_FALSE(plans.empty());
      std::set<std::string> names;
      for (const auto& p : plans) {
        EXPECT_TRUE(names.insert(p.name).second) << p.name;
        EXPECT_TRUE(p.tags.contains("axis"));
        // The one-line form parses back to the same plan.
        EXPECT_EQ(quant::plan_to_line(quant::parse_plan_line(quant::plan_to_line(p.plan))), quant::plan_to_line(p.plan));
      }
    }
  }
}

TEST(Recipes, CoverTheSeedsExperiments) {
  std::set<std::string> names;
  for (const auto& r : recipe_list()) names.insert(r.name);
  for (const char* n : {"baselines", "threshold", "components", "per-layer-mlp", "per-layer-attn", "small-parts", "parity",
                        "inside-layer", "combinations", "precision", "text-length", "random-magnitude", "quick-layer-sweep"})
    EXPECT_TRUE(names.count(n)) << n;
  EXPECT_EQ(generate_plans(load_recipe("per-layer-mlp"), shape(32)).size(), 32u);
  EXPECT_TRUE(load_recipe("text-length").length_buckets);
  // inside-layer on a Llama shape: whole, attn, ffn and 7 parts (q, k, v, output, up, gate, down) per layer.
  EXPECT_EQ(generate_plans(load_recipe("inside-layer"), shape(12)).size(), 2u * 10u);
  EXPECT_THROW(load_recipe("no-such-recipe"), Error);
}

}  // namespace
}  // namespace lq::experiments
