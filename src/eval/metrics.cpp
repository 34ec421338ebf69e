#include "eval/metrics.h"

#include <cmath>

namespace lq {
namespace {
struct Sums {
  double nll = 0, tokens = 0, bytes = 0;
};
Sums weighted(const std::vector<UnitTotals>& u, const ResampleCounts& c) {
  Sums s;
  for (size_t i = 0; i < u.size(); ++i) {
    if (!c[i]) continue;
    s.nll += c[i] * u[i].nll;
    s.tokens += c[i] * static_cast<double>(u[i].tokens);
    s.bytes += c[i] * static_cast<double>(u[i].bytes);
  }
  return s;
}
}  // namespace

LanguageSummary summarize(const std::string& name, const std::vector<UnitTotals>& units,
                          const BootstrapOptions& opt) {
  LanguageSummary out;
  out.name = name;
  out.units = static_cast<int64_t>(units.size());
  for (const auto& u : units) {
    out.tokens += u.tokens;
    out.bytes += u.bytes;
    out.chars += u.chars;
    out.nll_total += u.nll;
  }
  out.nll = bootstrap(units.size(), opt, [&](const ResampleCounts& c) {
    const Sums s = weighted(units, c);
    return s.nll / s.tokens;
  });
  // exp is monotone, so the percentile interval of ppl is exp of the interval of nll.
  out.ppl = {std::exp(out.nll.value), std::exp(out.nll.lo), std::exp(out.nll.hi)};
  out.bpb = bootstrap(units.size(), opt, [&](const ResampleCounts& c) {
    const Sums s = weighted(units, c);
    return s.nll / (s.bytes * std::log(2.0));
  });
  return out;
}

}  // namespace lq
