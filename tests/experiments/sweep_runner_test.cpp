// The runner on a tiny GPT-2 with hand-made units: a store with pieces missing (as a killed run
// leaves it) is completed to the same bits as an uninterrupted run, only the missing pieces are
// computed, and the stored numbers equal scoring each piece directly.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstring>
#include <filesystem>

#include "experiments/sweep_runner.h"
#include "quant/presets.h"
#include "tiny_checkpoint.h"

namespace lq::experiments {
namespace {

UnitSet make_test_units() {
  UnitSet us;
  us.n_ctx = 32;
  us.bos = true;
  uint32_t s = 7;
  for (int lang = 0; lang < 2; ++lang)
    for (int i = 0; i < 5; ++i) {
      Unit u;
      u.lang = lang;
      u.index = i;
      const int n = 3 + (i * 5 + lang * 3) % 9;
      for (int k = 0; k < n; ++k) {
        s = s * 1103515245u + 12345u;
        u.ids.push_back(static_cast<int32_t>((s >> 8) % 96));
      }
      u.bytes = 4 * n;
      u.chars = 3 * n;
      us.units.push_back(u);
    }
  return us;
}

SweepSetup setup_for(const UnitSet& us, const std::vector<PreparedPlan>& plans, int batch) {
  SweepSetup st;
  st.scoring = {{"model", "tiny"}, {"batch", batch}};
  st.plans = nlohmann::json::array();
  for (const auto& p : plans) st.plans.push_back({{"name", p.info.name}, {"plan", p.info.description}, {"tags", {}}});
  st.languages = {"en", "fi"};
  for (const auto& u : us.units) st.units.push_back({u.lang, u.bytes, u.chars});
  st.pieces = make_pieces(us, batch);
  return st;
}

std::string temp_db(const char* name) {
  const auto p = std::filesystem::temp_directory_path() / (std::string("lq-runner-") + name + "-" + std::to_string(::getpid()) + ".sqlite");
  std::filesystem::remove(p);
  return p.string();
}

void expect_same_bits(SweepStore& a, SweepStore& b, int sets) {
  for (int s = 0; s < sets; ++s) {
    const auto ra = a.results(s), rb = b.results(s);
    ASSERT_EQ(ra.size(), rb.size());
    for (size_t u = 0; u < ra.size(); ++u) {
      EXPECT_EQ(ra[u].tokens, rb[u].tokens);
      EXPECT_EQ(std::memcmp(&ra[u].nll, &rb[u].nll, 8), 0) << "set " << s << " unit " << u;
      EXPECT_EQ(std::memcmp(&ra[u].kl, &rb[u].kl, 8), 0) << "set " << s << " unit " << u;
      EXPECT_EQ(ra[u].top1, rb[u].top1);
    }
  }
}

TEST(SweepRunner, PiecesStayInsideOneLanguage) {
  const UnitSet us = make_test_units();
  const auto pieces = make_pieces(us, 2);
  ASSERT_EQ(pieces.size(), 6u);  // 5 units per language: 2 + 2 + 1, twice
  EXPECT_EQ(pieces[2].first, 4);
  EXPECT_EQ(pieces[2].end, 5);
  EXPECT_EQ(pieces[3].first, 5);
  EXPECT_EQ(make_pieces(us, 100).size(), 2u);
}

TEST(SweepRunner, ResumesAMaimedStoreToTheSameBits) {
  auto model = Model::load(test::write_tiny_gpt2());
  const UnitSet us = make_test_units();
  const quant::Format base = quant::parse_format("int4"), keep = quant::parse_format("fp16");
  std::vector<PreparedPlan> plans;
  for (const char* spec : {"base=int4", "base=fp32", "layer0", "magnitude-5", "base=int2"})
    plans.push_back(prepare_plan(spec, base, keep, *model));
  const int S = static_cast<int>(plans.size()) + 1;
  const SweepSetup st = setup_for(us, plans, 2);
  RunOptions ro;
  ro.engine.batch_tokens = 16;
  ro.sets_per_pass = 3;  // FP + 2 plans: 3 passes per piece
  ro.quiet = true;

  const std::string pa = temp_db("a"), pb = temp_db("b");
  SweepStore a(pa);
  a.initialize(st);
  EXPECT_EQ(run_sweep(*model, us, plans, st.pieces, a, ro), 6 * 3);
  EXPECT_EQ(run_sweep(*model, us, plans, st.pieces, a, ro), 0);  // complete: nothing recomputed

  // Store b: run fully with another pass width, then remove what a killed run would lack:
  // some plan pieces, and FP with all plans on piece 4.
  SweepStore b(pb);
  b.initialize(st);
  ro.sets_per_pass = 6;
  EXPECT_EQ(run_sweep(*model, us, plans, st.pieces, b, ro), 6);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(pb.c_str(), &db), SQLITE_OK);
    const char* sql =
        "DELETE FROM results WHERE (sett = 3 AND unit IN (0, 1)) OR (sett = 5 AND unit = 9) OR unit IN (7, 8);"
        "DELETE FROM done WHERE (sett = 3 AND piece = 0) OR (sett = 5 AND piece = 5) OR piece = 4;";
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  EXPECT_EQ(b.done().size(), static_cast<size_t>(6 * S - 2 - S));
  ro.sets_per_pass = 2;
  // Missing: piece 0 (1 plan), piece 5 (1 plan), piece 4 (FP + 5 plans, one plan a pass).
  EXPECT_EQ(run_sweep(*model, us, plans, st.pieces, b, ro), 1 + 1 + 5);
  expect_same_bits(a, b, S);

  // The stored numbers are those of scoring each piece directly.
  const WeightSet fp(*model);
  quant::QuantCache cache;
  const WeightSet w1 = quant::build_weight_set(*model, plans[0].resolved, cache);
  const WeightSet w2 = quant::build_weight_set(*model, plans[1].resolved, cache);
  const auto r1 = a.results(1), r2 = a.results(2), r0 = a.results(0);
  for (const auto& p : st.pieces) {
    UnitSet sub = us;
    sub.units.assign(us.units.begin() + p.first, us.units.begin() + p.end);
    const auto direct = score_sets(*model, {&fp, &w1, &w2}, sub, ro.engine, nullptr);
    for (int u = p.first; u < p.end; ++u) {
      const auto& d = direct[static_cast<size_t>(u - p.first)];
      EXPECT_EQ(d.tokens, static_cast<int64_t>(us.units[u].ids.size()) - 1);
      EXPECT_EQ(r0[u].nll, d.nll[0]);
      EXPECT_EQ(r1[u].nll, d.nll[1]);
      EXPECT_EQ(r1[u].kl, d.kl[1]);
      EXPECT_GT(r1[u].kl, 0.0);
      // base=fp32 changes nothing on an F32 checkpoint: same NLL as FP, KL 0, all top-1 agree.
      EXPECT_EQ(r2[u].nll, r0[u].nll);
      EXPECT_EQ(r2[u].kl, 0.0);
      EXPECT_EQ(r2[u].top1, r2[u].tokens);
    }
  }
  std::filesystem::remove(pa);
  std::filesystem::remove(pb);
}

}  // namespace
}  // namespace lq::experiments
