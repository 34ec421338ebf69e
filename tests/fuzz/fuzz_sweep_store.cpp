// The sweep store opened from arbitrary bytes: the input is the SQLite database a sweep left
// behind (damaged, truncated, written by another version or by hand). Opening it, reading the
// setup, the done pieces and every set's results, and comparing the setup with itself must
// each succeed or end in lq::Error; the file is removed after each run with its journals.
#include <cmath>

#include "experiments/sweep_store.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = (lq::fuzz::scratch_dir() / "sweep.sqlite").string();
  lq::fuzz::write_bytes(path, data, size);
  lq::fuzz::only_lq_errors([&] {
    lq::experiments::SweepStore store(path);
    if (!store.initialized()) return;
    const lq::experiments::SweepSetup setup = store.setup();
    store.check_same(setup);
    (void)store.done();
    const size_t sets = setup.plans.is_array() ? setup.plans.size() + 1 : 1;
    volatile double sink = 0;
    for (size_t set = 0; set < sets && set < 64; ++set) {
      try {
        for (const auto& r : store.results(static_cast<int>(set))) sink = sink + r.nll + r.kl + static_cast<double>(r.tokens + r.top1);
      } catch (const lq::Error&) {  // a set with pieces missing
      }
    }
  });
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    std::error_code ec;
    lq::fuzz::fs::remove(path + suffix, ec);
  }
  return 0;
}
