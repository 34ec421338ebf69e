// The neurons file that `top=K% by=neurons:FILE` reads (quant/neuron_selection.h): a JSON a
// stranger may hand over with a plan. The first input byte picks the target languages (every
// language, or one that may be missing); an accepted file must give every unit a distinct rank.
#include <set>

#include "fuzz_util.h"
#include "quant/neuron_selection.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const unsigned langs = lq::fuzz::take_selector(data, size) % 3;
  const std::string path = lq::fuzz::write_input("neurons.json", data, size);
  lq::fuzz::only_lq_errors([&] {
    std::vector<std::string> want;
    if (langs == 1) want = {"ar"};
    if (langs == 2) want = {"en", "zz"};
    const lq::quant::NeuronRanking r(path, want);
    if (r.n_layer() * r.n_ff() > (int64_t{1} << 22)) return;  // ranks of huge files: not worth the time
    std::set<int64_t> seen;
    for (int64_t l = 0; l < r.n_layer(); ++l)
      for (int64_t u = 0; u < r.n_ff(); ++u) {
        const int64_t k = r.rank(l, u);
        if (k < 0 || k >= r.n_layer() * r.n_ff() || !seen.insert(k).second)
          lq::fuzz::finding("ranks are not a permutation of the units", std::to_string(k).c_str());
      }
  });
  return 0;
}
