// Writes a small but complete sweep database through SweepStore itself (setup of two languages,
// four units in two pieces, two plans, every piece of every set stored), the real input the
// sweep store fuzz target starts from. tests/fuzz/make_seeds.py --sweep-db FILE turns it into
// the committed seed. Usage: make_sweep_seed OUT.sqlite
#include <cstdio>
#include <filesystem>

#include "experiments/sweep_store.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_sweep_seed OUT.sqlite\n");
    return 2;
  }
  using namespace lq::experiments;
  std::filesystem::remove(argv[1]);
  SweepSetup s;
  s.scoring = {{"model", "models/default"}, {"corpus", "data/sample"}, {"mode", "sentence"}, {"ctx", 128}};
  s.plans = nlohmann::json::array();
  for (const char* p : {"base=int4", "base=int4; keep fp16 layers=0"})
    s.plans.push_back({{"name", p}, {"plan", p}, {"description", ""}, {"tags", {{"axis", "plans"}}},
                       {"overhead", 0.1}, {"size_bytes", 1000}, {"bits_per_weight", 4.5}});
  s.sweep = {{"name", "seed"}, {"description", "fuzz seed"}, {"axes", nlohmann::json::array()}, {"length_buckets", false}};
  s.languages = {"en", "de"};
  s.units = {{0, 40, 40}, {0, 31, 30}, {1, 52, 50}, {1, 12, 12}};
  s.pieces = {{0, 2}, {2, 4}};
  SweepStore store(argv[1]);
  store.initialize(s);
  for (int piece = 0; piece < 2; ++piece) {
    std::vector<std::vector<UnitResult>> r;
    for (int set = 0; set < 3; ++set) r.push_back({{10 + set, 20.5 + set, 0.01 * set, 7}, {8, 15.25, 0.02 * set, 5}});
    store.write_piece(piece, {0, 1, 2}, r);
  }
  return 0;
}
