// Per-language quality from per-unit totals (research brief §1): NLL per token, perplexity,
// bits per byte, each with a bootstrap interval over units.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "eval/bootstrap.h"

namespace lq {

struct UnitTotals {
  double nll = 0;  // nats, summed over the unit's scored tokens
  int64_t tokens = 0, bytes = 0, chars = 0;
};

struct LanguageSummary {
  std::string name;
  bool is_group = false;
  int64_t units = 0, tokens = 0, bytes = 0, chars = 0;
  double nll_total = 0;
  Estimate nll;  // mean nats per scored token
  Estimate ppl;  // exp(nll)
  Estimate bpb;  // nll_total / (bytes ln 2)
};

LanguageSummary summarize(const std::string& name, const std::vector<UnitTotals>& units,
                          const BootstrapOptions& opt);

}  // namespace lq
