// top=K% by=neurons:FILE[:LANGS] checked by hand on the tiny 2-layer GPT-2 (n_embd 64, so
// n_ff 256): a neurons file written here makes known units specific to known languages, and the
// test names exactly which rows of ffn_up and columns of ffn_down a plan keeps, and its overhead.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "quant/neuron_selection.h"
#include "quant/plan_cost.h"
#include "tiny_checkpoint.h"

using namespace lq;
using namespace lq::quant;
using nlohmann::json;

namespace {

constexpr int kLayers = 2, kFf = 256, kEmbd = 64;

struct Unit {
  int layer, unit;
  double p_ar, p_hi, lape;
};

// Every unit has probability 0.01 in both languages and LAPE ln 2 (equally shared), except
// `units`. The threshold is 0.5.
std::string write_neurons(const std::vector<Unit>& units, const std::string& name = "neurons.json") {
  json ar = json::array(), hi = json::array(), lape = json::array();
  for (int l = 0; l < kLayers; ++l) {
    json a = json::array(), h = json::array(), e = json::array();
    for (int u = 0; u < kFf; ++u) {
      double pa = 0.01, ph = 0.01, le = 0.6931471805599453;
      for (const auto& x : units)
        if (x.layer == l && x.unit == u) pa = x.p_ar, ph = x.p_hi, le = x.lape;
      a.push_back(pa), h.push_back(ph), e.push_back(le);
    }
    ar.push_back(a), hi.push_back(h), lape.push_back(e);
  }
  json j = {{"schema_version", 1}, {"kind", "langquant.neurons"}, {"n_layer", kLayers}, {"n_ff", kFf},
            {"threshold", 0.5},
            {"languages", {{{"lang", "ar"}, {"rows", 10}, {"probability", ar}},
                           {{"lang", "hi"}, {"rows", 10}, {"probability", hi}}}},
            {"lape", lape}};
  const auto path = std::filesystem::temp_directory_path() / ("lq_neurons_" + std::to_string(::getpid()) + name);
  std::ofstream(path) << j.dump();
  return path.string();
}

// ar-specific: layer 0 units 5 (LAPE 0.1), 200 (0.2), 17 (0.3); hi-specific: layer 0 unit 9
// (LAPE 0.05); layer 1: unit 3 ar-specific (0.15), unit 250 shared by ar and hi (0.6).
const std::vector<Unit> kUnits = {{0, 5, 0.9, 0.0, 0.1},  {0, 200, 0.8, 0.01, 0.2}, {0, 17, 0.7, 0.02, 0.3},
                                  {0, 9, 0.0, 0.9, 0.05}, {1, 3, 0.9, 0.0, 0.15},   {1, 250, 0.9, 0.9, 0.6}};

std::set<int64_t> rows_of(const std::vector<int64_t>& idx, int64_t cols) {
  std::set<int64_t> r;
  for (int64_t i : idx) r.insert(i / cols);
  return r;
}
std::set<int64_t> cols_of(const std::vector<int64_t>& idx, int64_t cols) {
  std::set<int64_t> c;
  for (int64_t i : idx) c.insert(i % cols);
  return c;
}

const ElementGroup& only_group(const ResolvedPlan& rp, const Model& m, const std::string& name) {
  const auto& t = rp.tensors.at(m.index_of(name));
  EXPECT_EQ(t.groups.size(), 1u) << name;
  return t.groups.at(0);
}

}  // namespace

TEST(NeuronSelection, KeepsTheRowsAndColumnsOfTheMostSpecificUnits) {
  auto m = Model::load(lq::test::write_tiny_gpt2());
  const std::string file = write_neurons(kUnits);
  // 1% of 256 units = ceil(2.56) = 3 units per layer.
  const auto rp = resolve_plan(parse_plan_line("base=int4; keep fp16 top=1% by=neurons:" + file + ":ar"), *m);
  // Layer 0 for ar: candidates 5, 200, 17 (LAPE order); unit 9 is hi's and not a candidate.
  const auto& up0 = only_group(rp, *m, "blk.0.ffn_up.weight");
  EXPECT_EQ(rows_of(up0.indices, kEmbd), (std::set<int64_t>{5, 17, 200}));
  EXPECT_EQ(up0.indices.size(), 3u * kEmbd);  // whole rows
  const auto& down0 = only_group(rp, *m, "blk.0.ffn_down.weight");
  EXPECT_EQ(cols_of(down0.indices, kFf), (std::set<int64_t>{5, 17, 200}));
  EXPECT_EQ(rows_of(down0.indices, kFf).size(), static_cast<size_t>(kEmbd));  // whole columns
  EXPECT_EQ(down0.indices.size(), 3u * kEmbd);
  // Layer 1 for ar: candidates 3 (0.15) and 250 (0.6); the third unit comes from the rest, all
  // tied at LAPE ln 2, so the lowest index not yet taken: 0.
  EXPECT_EQ(rows_of(only_group(rp, *m, "blk.1.ffn_up.weight").indices, kEmbd), (std::set<int64_t>{0, 3, 250}));
  // Nothing kept outside the feed-forward weights (the rule selects every tensor).
  EXPECT_TRUE(rp.tensors.at(m->index_of("blk.0.attn_qkv.weight")).groups.empty());
  EXPECT_TRUE(rp.tensors.at(m->index_of("blk.0.ffn_up.bias")).groups.empty());
  // 0.5% = 2 units: the two lowest-LAPE candidates, not 17.
  const auto two = resolve_plan(parse_plan_line("base=int4; keep fp16 top=0.5% by=neurons:" + file + ":ar"), *m);
  EXPECT_EQ(rows_of(only_group(two, *m, "blk.0.ffn_up.weight").indices, kEmbd), (std::set<int64_t>{5, 200}));
  // Overhead: 4 tensors x 3 units x 64 weights, exactly as top=1% by magnitude on those tensors.
  const auto cost = plan_cost(rp, *m);
  EXPECT_EQ(cost.kept, 4 * 3 * kEmbd);
  const auto mag = plan_cost(resolve_plan(parse_plan_line("base=int4; keep fp16 top=1.17% name=blk.*.ffn_up.weight,"
                                                          "blk.*.ffn_down.weight"),
                                          *m),
                             *m);
  EXPECT_EQ(mag.kept, cost.kept);  // ceil(1.17% of 16384) = 192 = 3 * 64
  EXPECT_EQ(mag.bytes, cost.bytes);
}

TEST(NeuronSelection, TargetLanguagesChangeTheChoice) {
  auto m = Model::load(lq::test::write_tiny_gpt2());
  const std::string file = write_neurons(kUnits);
  // For hi, layer 0's only candidate is 9; the next two come from the rest in LAPE order
  // (200: 0.2 and 17: 0.3 are not candidates for hi but have lower LAPE than ln 2; 5 has 0.1).
  const auto hi = resolve_plan(parse_plan_line("base=int4; keep fp16 top=1% by=neurons:" + file + ":hi"), *m);
  EXPECT_EQ(rows_of(only_group(hi, *m, "blk.0.ffn_up.weight").indices, kEmbd), (std::set<int64_t>{5, 9, 200}));
  // Every language: candidates 9 (0.05), 5, 200 in layer 0.
  const auto all = resolve_plan(parse_plan_line("base=int4; keep fp16 top=1% by=neurons:" + file), *m);
  EXPECT_EQ(rows_of(only_group(all, *m, "blk.0.ffn_up.weight").indices, kEmbd), (std::set<int64_t>{5, 9, 200}));
}

TEST(NeuronSelection, GlobalScopeRanksUnitsOfAllSelectedLayersTogether) {
  auto m = Model::load(lq::test::write_tiny_gpt2());
  const std::string file = write_neurons(kUnits);
  // 0.8% of 512 units = ceil(4.096) = 5 units: ar's candidates in LAPE order are 0/5 (0.1),
  // 1/3 (0.15), 0/200 (0.2), 0/17 (0.3), 1/250 (0.6).
  const auto rp = resolve_plan(
      parse_plan_line("base=int4; keep fp16 top=0.8% scope=global component=mlp by=neurons:" + file + ":ar"), *m);
  EXPECT_EQ(rows_of(only_group(rp, *m, "blk.0.ffn_up.weight").indices, kEmbd), (std::set<int64_t>{5, 17, 200}));
  EXPECT_EQ(cols_of(only_group(rp, *m, "blk.1.ffn_down.weight").indices, kFf), (std::set<int64_t>{3, 250}));
  // Restricted to layer 1: its two candidates plus the lowest-index tied unit.
  const auto l1 = resolve_plan(
      parse_plan_line("base=int4; keep fp16 top=1% scope=global layers=1 by=neurons:" + file + ":ar"), *m);
  EXPECT_EQ(rows_of(only_group(l1, *m, "blk.1.ffn_up.weight").indices, kEmbd), (std::set<int64_t>{0, 3, 250}));
  EXPECT_TRUE(l1.tensors.at(m->index_of("blk.0.ffn_up.weight")).groups.empty());
}

TEST(NeuronSelection, PlanLineRoundTrips) {
  const Rule r = parse_rule("keep fp16 top=2% by=neurons:dir/n.json:ar,he");
  EXPECT_EQ(r.elements.neurons_file, "dir/n.json");
  EXPECT_EQ(r.elements.neurons_langs, (std::vector<std::string>{"ar", "he"}));
  EXPECT_TRUE(r.elements.fisher_file.empty());
  const Plan p = parse_plan_line("base=int4; " + r.text);
  EXPECT_EQ(parse_plan_line(plan_to_line(p)).rules.at(0).elements.neurons_langs, r.elements.neurons_langs);
  EXPECT_THROW(parse_rule("keep fp16 top=2% by=neurons:"), Error);
  EXPECT_THROW(parse_rule("keep fp16 by=neurons:n.json"), Error);  // by= needs top=
}

TEST(NeuronSelection, BadFilesNameTheFileAndTheProblem) {
  auto m = Model::load(lq::test::write_tiny_gpt2());
  auto message = [&](const std::string& plan) {
    try {
      resolve_plan(parse_plan_line(plan), *m);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string file = write_neurons(kUnits);
  EXPECT_NE(message("base=int4; keep fp16 top=1% by=neurons:" + file + ":fr").find("has no language 'fr'"),
            std::string::npos);
  const auto other = std::filesystem::temp_directory_path() / "lq_neurons_not.json";
  std::ofstream(other) << R"({"kind": "langquant.eval"})";
  const std::string msg = message("base=int4; keep fp16 top=1% by=neurons:" + other.string());
  EXPECT_NE(msg.find(other.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a result of `langquant neurons`"), std::string::npos) << msg;
  // A file for a model of another width.
  auto j = nlohmann::json::parse(std::ifstream(file));
  j["n_ff"] = 128;
  std::ofstream(other) << j.dump();
  EXPECT_NE(message("base=int4; keep fp16 top=1% by=neurons:" + other.string()).find("units"), std::string::npos);
}
