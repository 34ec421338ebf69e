// Plans: parsing (one-line, TOML, JSON), layer sets, and resolution against a tiny GPT-2.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "quant/plan.h"
#include "quant/plan_resolve.h"
#include "tiny_checkpoint.h"

using namespace lq;
using namespace lq::quant;

namespace {

std::vector<int> layers(const std::string& spec, int n) {
  return resolve_layers(parse_rule("keep fp16 layers=" + spec).layers, n);
}

const ResolvedTensor& by_name(const ResolvedPlan& rp, const Model& m, const std::string& name) {
  return rp.tensors.at(m.index_of(name));
}

std::unique_ptr<Model> tiny(lq::test::TinyGpt2 cfg = {}) { return Model::load(lq::test::write_tiny_gpt2(cfg)); }

}  // namespace

TEST(PlanParse, OneLineRoundTrips) {
  const Plan p = parse_plan_line("base=int4; keep fp16 layers=0,-1; keep fp16 kind=bias; keep fp16 name=output_norm.*; keep fp16 top=5%");
  EXPECT_EQ(p.base, parse_format("int4"));
  ASSERT_EQ(p.rules.size(), 4u);
  EXPECT_EQ(p.rules[3].elements.kind, ElementSelector::Top);
  EXPECT_DOUBLE_EQ(p.rules[3].elements.percent, 5);
  const std::string line = plan_to_line(p);
  EXPECT_EQ(line, "base=int4; keep fp16 layers=0,-1; keep fp16 kind=bias; keep fp16 name=output_norm.*; keep fp16 top=5%");
  EXPECT_EQ(plan_to_line(parse_plan_line(line)), line);
}

// Issue 13: a JSON plan whose name= glob held ';' printed as a line that no longer parsed.
// Every value a file can hold must survive plan_to_line -> parse_plan_line unchanged.
// The importance sets after the file may contain ':' (group:NAME); the file may not, so the
// first ':' after it starts the sets (it used to be the last, reading "f:group" as the file).
TEST(PlanParse, FisherSetsWithGroupNames) {
  const Rule r = parse_rule("keep fp16 top=1% by=fisher:f.safetensors:group:lr,max,ar");
  EXPECT_EQ(r.elements.fisher_file, "f.safetensors");
  EXPECT_EQ(r.elements.fisher_sets, (std::vector<std::string>{"group:lr", "max", "ar"}));
  const Rule one = parse_rule("keep fp16 top=1% by=fisher:dir/f.safetensors:group:lr");
  EXPECT_EQ(one.elements.fisher_file, "dir/f.safetensors");
  EXPECT_EQ(one.elements.fisher_sets, (std::vector<std::string>{"group:lr"}));
  const Rule none = parse_rule("keep fp16 top=1% by=fisher:f.safetensors");
  EXPECT_EQ(none.elements.fisher_file, "f.safetensors");
  EXPECT_TRUE(none.elements.fisher_sets.empty());
  // The one-line form writes them back the same way.
  Plan p;
  p.rules.push_back(r);
  EXPECT_EQ(parse_plan_line(plan_to_line(p)).rules.at(0).elements.fisher_sets, r.elements.fisher_sets);
}

TEST(PlanParse, QuotedValuesRoundTrip) {
  const std::string path = (std::filesystem::temp_directory_path() / "lq_plan_quote_test.json").string();
  std::ofstream(path) << R"({"base": "int4", "rules": [
      {"format": "fp16", "name": "blk.0;ffn_*"},
      {"format": "fp16", "name": ["a b", "say \"hi\"", "back\\slash"]},
      {"format": "int8", "top": "1%", "by": "fisher:my dir/f;1.safetensors:ar"}]})";
  const Plan p = parse_plan_json(path);
  ASSERT_EQ(p.rules.size(), 3u);
  EXPECT_EQ(p.rules[0].names, std::vector<std::string>{"blk.0;ffn_*"});
  EXPECT_EQ(p.rules[1].names, (std::vector<std::string>{"a b", "say \"hi\"", "back\\slash"}));
  const std::string line = plan_to_line(p);
  const Plan q = parse_plan_line(line);  // threw before the fix ("blk.0" then "ffn_*" clauses)
  ASSERT_EQ(q.rules.size(), 3u) << line;
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(q.rules[i].names, p.rules[i].names) << line;
  EXPECT_EQ(q.rules[2].elements.fisher_file, "my dir/f;1.safetensors");
  EXPECT_EQ(q.rules[2].elements.fisher_sets, std::vector<std::string>{"ar"});
  EXPECT_EQ(plan_to_line(q), line);
  // Quotes only where needed: ordinary plans print as before.
  EXPECT_EQ(plan_to_line(parse_plan_line("base=int4; keep fp16 name=\"output_norm.*\"")),
            "base=int4; keep fp16 name=output_norm.*");
  EXPECT_THROW(parse_plan_line("base=int4; keep fp16 name=\"a;b"), Error);  // unterminated quote
}

TEST(PlanParse, RejectsBadInput) {
  EXPECT_THROW(parse_plan_line("keep fp16 layers=0"), Error);  // no base
  EXPECT_THROW(parse_plan_line("base=int4; keep fp16 layer=x"), Error);
  EXPECT_THROW(parse_plan_line("base=int4; keep fp16 colour=red"), Error);
  EXPECT_THROW(parse_plan_line("base=int4; keep fp16 top=0%"), Error);
  EXPECT_THROW(parse_plan_line("base=int4; keep fp16 top=101"), Error);
  EXPECT_THROW(parse_plan_line("base=int4; keep fp16 seed=3"), Error);
  EXPECT_THROW(parse_plan_line("base=int4; keep q8_0 top=5%"), Error);
  EXPECT_THROW(parse_plan_line("base=int9"), Error);
  EXPECT_THROW(parse_plan_line("base=int4; protect fp16"), Error);
}

TEST(PlanParse, TomlAndJsonFiles) {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string toml = (dir / "lq_plan_test.toml").string(), json = (dir / "lq_plan_test.json").string();
  std::ofstream(toml) << "name = \"t\"\nbase = \"int4-g32\"\n[[rules]]\nformat = \"fp16\"\nlayers = [0, -1]\n"
                         "[[rules]]\nformat = \"int8\"\ntop = 5\nscope = \"global\"\nname = [\"blk.*\"]\n";
  std::ofstream(json) << R"({"name": "j", "base": "int4-g32", "rules": ["keep fp16 layers=0,-1",
                             {"format": "int8", "top": "5%", "scope": "global", "name": "blk.*"}]})";
  const Plan a = parse_plan_toml(toml), b = parse_plan_json(json);
  EXPECT_EQ(a.name, "t");
  EXPECT_EQ(b.name, "j");
  EXPECT_EQ(plan_to_line(a), plan_to_line(b));
  EXPECT_EQ(plan_to_line(a), "base=int4-g32; keep fp16 layers=0,-1; keep int8 name=blk.* top=5% scope=global");
  std::ofstream(json) << R"({"base": "int4", "rules": [{"top": "5%"}]})";
  EXPECT_THROW(parse_plan_json(json), Error);  // rule without format
  std::ofstream(toml) << "base = \"int4\"\nrules = [\n";
  EXPECT_THROW(parse_plan_toml(toml), Error);
}

TEST(PlanLayers, OddEvenOn12And24) {
  EXPECT_EQ(layers("odd", 12), (std::vector<int>{1, 3, 5, 7, 9, 11}));
  EXPECT_EQ(layers("even", 12), (std::vector<int>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(layers("odd", 24).size(), 12u);
  EXPECT_EQ(layers("odd", 24).back(), 23);
  EXPECT_EQ(layers("even", 24).back(), 22);
}

TEST(PlanLayers, FirstLastNegativeRangesDepth) {
  EXPECT_EQ(layers("first,last", 12), (std::vector<int>{0, 11}));
  EXPECT_EQ(layers("first,last", 24), (std::vector<int>{0, 23}));
  EXPECT_EQ(layers("0,-1", 24), (std::vector<int>{0, 23}));
  EXPECT_EQ(layers("-3..-1", 12), (std::vector<int>{9, 10, 11}));
  EXPECT_EQ(layers("2..4,3", 12), (std::vector<int>{2, 3, 4}));
  EXPECT_EQ(layers("first3", 12), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(layers("last2", 24), (std::vector<int>{22, 23}));
  EXPECT_EQ(layers("75%", 12), (std::vector<int>{9}));
  EXPECT_EQ(layers("75%", 24), (std::vector<int>{18}));
  EXPECT_EQ(layers("100%", 12), (std::vector<int>{11}));
  EXPECT_THROW(layers("12", 12), Error);
  EXPECT_THROW(layers("-13", 12), Error);
}

TEST(PlanGlob, Wildcards) {
  EXPECT_TRUE(glob_match("blk.*.ffn_up.weight", "blk.10.ffn_up.weight"));
  EXPECT_TRUE(glob_match("output_norm.*", "output_norm.bias"));
  EXPECT_FALSE(glob_match("output_norm.*", "output.weight"));
  EXPECT_TRUE(glob_match("blk.?.attn_*", "blk.3.attn_qkv.bias"));
  EXPECT_FALSE(glob_match("blk.?.attn_*", "blk.13.attn_qkv.bias"));
}

TEST(PlanResolve, LaterRulesWin) {
  auto m = tiny();
  const auto rp = resolve_plan(
      parse_plan_line("base=int4; keep fp16 layers=0; keep int8 kind=bias; keep q8_0 name=blk.0.ffn_up.*"), *m);
  EXPECT_EQ(by_name(rp, *m, "blk.0.attn_qkv.weight").format, parse_format("fp16"));
  EXPECT_EQ(by_name(rp, *m, "blk.0.attn_qkv.weight").rule, 0);
  EXPECT_EQ(by_name(rp, *m, "blk.0.attn_qkv.bias").format, parse_format("int8"));  // rule 1 after rule 0
  EXPECT_EQ(by_name(rp, *m, "blk.1.attn_qkv.bias").format, parse_format("int8"));
  EXPECT_EQ(by_name(rp, *m, "blk.0.ffn_up.weight").format, parse_format("q8_0"));
  EXPECT_EQ(by_name(rp, *m, "blk.0.ffn_up.bias").format, parse_format("q8_0"));  // 256 % 32 == 0
  EXPECT_EQ(by_name(rp, *m, "blk.1.attn_qkv.weight").format, parse_format("int4"));
  EXPECT_EQ(by_name(rp, *m, "blk.1.attn_qkv.weight").rule, -1);
  EXPECT_EQ(by_name(rp, *m, "blk.0.attn_norm.weight").format, parse_format("fp16"));  // norms are kind=norm
  // A later whole-tensor rule drops earlier kept elements.
  const auto rp2 = resolve_plan(parse_plan_line("base=int4; keep fp16 top=10%; keep int8 layers=0"), *m);
  EXPECT_TRUE(by_name(rp2, *m, "blk.0.ffn_up.weight").groups.empty());
  EXPECT_FALSE(by_name(rp2, *m, "blk.1.ffn_up.weight").groups.empty());
}

TEST(PlanResolve, SelectorsAllMustMatch) {
  auto m = tiny();
  const auto rp = resolve_plan(parse_plan_line("base=int4; keep fp16 layers=1 component=mlp kind=weight"), *m);
  int n = 0;
  for (const auto& r : rp.tensors)
    if (r.rule == 0) {
      ++n;
      EXPECT_EQ(m->tensors()[r.index].layer, 1);
    }
  EXPECT_EQ(n, 2);  // blk.1.ffn_up.weight, blk.1.ffn_down.weight
  EXPECT_THROW(resolve_plan(parse_plan_line("base=int4; keep fp16 layers=2"), *m), Error);  // 2-layer model
}

TEST(PlanResolve, TiedTensorSelectedByEitherRole) {
  auto m = tiny();
  const int e = m->index_of("token_embd.weight");
  ASSERT_EQ(m->index_of("output.weight"), e);
  for (const char* line : {"base=int4; keep fp16 name=output.weight", "base=int4; keep fp16 name=token_embd.*",
                           "base=int4; keep fp16 component=output", "base=int4; keep fp16 component=embeddings"}) {
    const auto rp = resolve_plan(parse_plan_line(line), *m);
    EXPECT_EQ(rp.tensors[e].format, parse_format("fp16")) << line;
  }
  const auto rp = resolve_plan(parse_plan_line("base=int4; keep fp16 name=output_norm.*"), *m);
  EXPECT_EQ(rp.tensors[e].format, parse_format("int4"));
}

TEST(PlanResolve, TopKTiesToLowerIndex) {
  lq::test::TinyGpt2 cfg;
  cfg.value = [](const std::string& n, int64_t i) -> float {
    if (n == "ln_f.bias") return i == 3 ? -5.0f : (i % 8 == 0 ? 5.0f : 1.0f);
    if (n == "ln_f.weight") return i == 63 ? 4.0f : 0.5f;
    return 0.01f;
  };
  auto m = tiny(cfg);
  // 5% of 64 = 3.2 -> 4 elements; |w| = 5 at 0, 3, 8, 16, 24, ...; the lowest indices win.
  auto rp = resolve_plan(parse_plan_line("base=int4; keep fp16 name=output_norm.bias top=5%"), *m);
  const auto& g = by_name(rp, *m, "output_norm.bias").groups;
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].indices, (std::vector<int64_t>{0, 3, 8, 16}));
  EXPECT_EQ(g[0].format, parse_format("fp16"));
  EXPECT_EQ(by_name(rp, *m, "output_norm.bias").format, parse_format("int4"));
  // Global over both ln_f tensors (128 elements): 5% -> 7: the nine 5s fill it by position
  // (bias is ranked after weight: model order), the 4 in ln_f.weight is below them.
  rp = resolve_plan(parse_plan_line("base=int4; keep fp16 name=output_norm.* top=5% scope=global"), *m);
  EXPECT_TRUE(by_name(rp, *m, "output_norm.weight").groups.empty());
  EXPECT_EQ(by_name(rp, *m, "output_norm.bias").groups.at(0).indices,
            (std::vector<int64_t>{0, 3, 8, 16, 24, 32, 40}));
  // 10% -> 13: all nine 5s, then the 4, then three of the 1s (lowest indices of ln_f.bias).
  rp = resolve_plan(parse_plan_line("base=int4; keep fp16 name=output_norm.* top=10% scope=global"), *m);
  EXPECT_EQ(by_name(rp, *m, "output_norm.weight").groups.at(0).indices, (std::vector<int64_t>{63}));
  EXPECT_EQ(by_name(rp, *m, "output_norm.bias").groups.at(0).indices,
            (std::vector<int64_t>{0, 1, 2, 3, 4, 8, 16, 24, 32, 40, 48, 56}));
}

TEST(PlanResolve, TopKUsesOutInOrderForConv1D) {
  lq::test::TinyGpt2 cfg;
  cfg.value = [](const std::string& n, int64_t i) -> float {
    return n == "h.0.attn.c_proj.weight" && i == 2 * 64 + 5 ? 9.0f : 0.01f;  // stored [in=2, out=5]
  };
  auto m = tiny(cfg);
  const auto rp = resolve_plan(parse_plan_line("base=int4; keep fp32 name=blk.0.attn_output.weight top=0.02%"), *m);
  EXPECT_EQ(by_name(rp, *m, "blk.0.attn_output.weight").groups.at(0).indices, (std::vector<int64_t>{5 * 64 + 2}));
}

TEST(PlanResolve, RandomKReproducibleBySeed) {
  auto m = tiny();
  auto pick = [&](const std::string& extra) {
    return resolve_plan(parse_plan_line("base=int4; keep fp16 random=5%" + extra), *m);
  };
  const auto a = pick(" seed=1"), b = pick(" seed=1"), c = pick(" seed=2");
  const auto& t = "blk.0.ffn_up.weight";
  const auto& ga = by_name(a, *m, t).groups.at(0).indices;
  EXPECT_EQ(ga.size(), 820u);  // ceil(0.05 * 16384)
  EXPECT_EQ(ga, by_name(b, *m, t).groups.at(0).indices);
  EXPECT_NE(ga, by_name(c, *m, t).groups.at(0).indices);
  EXPECT_TRUE(std::is_sorted(ga.begin(), ga.end()));
  // Different tensors draw different positions under one seed.
  EXPECT_NE(ga, by_name(a, *m, "blk.1.ffn_up.weight").groups.at(0).indices);
  // Global: the exact total over all tensors.
  const auto g = pick(" seed=1 scope=global");
  int64_t total = 0;
  for (const auto& r : g.tensors) total += r.kept_elements();
  EXPECT_EQ(total, static_cast<int64_t>(std::ceil(0.05 * static_cast<double>(m->parameter_count()))));
}

TEST(PlanResolve, LaterElementRuleWinsPerElement) {
  auto m = tiny();
  const auto rp = resolve_plan(parse_plan_line("base=int4; keep fp32 top=10%; keep fp16 top=5%"), *m);
  const auto& r = by_name(rp, *m, "blk.0.ffn_down.weight");
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].indices.size() + r.groups[1].indices.size(), 1639u);  // ceil(0.1 * 16384)
  EXPECT_EQ(r.groups[1].format, parse_format("fp16"));
  EXPECT_EQ(r.groups[1].indices.size(), 820u);
}

TEST(PlanResolve, GgmlFallbackOnShortRows) {
  lq::test::TinyGpt2 cfg;
  cfg.n_embd = 48;  // rows of 48 are no multiple of 32; 4*48 = 192 are
  cfg.n_head = 4;
  auto m = tiny(cfg);
  const auto rp = resolve_plan(parse_plan_line("base=q4_0"), *m);
  EXPECT_EQ(by_name(rp, *m, "blk.0.attn_qkv.weight").format, parse_format("fp16"));  // in = 48
  EXPECT_TRUE(by_name(rp, *m, "blk.0.attn_qkv.weight").fallback);
  EXPECT_EQ(by_name(rp, *m, "blk.0.ffn_down.weight").format, parse_format("q4_0"));  // in = 192
  EXPECT_EQ(by_name(rp, *m, "output_norm.weight").format, parse_format("fp32"));
  EXPECT_EQ(by_name(rp, *m, "blk.0.attn_qkv.bias").format, parse_format("fp32"));  // 144 = 3 * 48
  EXPECT_EQ(by_name(rp, *m, "blk.0.ffn_up.bias").format, parse_format("q4_0"));    // 192
}
