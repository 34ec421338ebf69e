// The stage driver every architecture shares: the hooks that patching and activation statistics
// use sit between stages here, once, instead of in each architecture's loop.
#include <string>

#include "model/arch.h"
#include "model/batch.h"
#include "model/model.h"
#include "model/workspace.h"

namespace lq {

void Architecture::run_stage(const Model& m, const WeightSet& w, const Batch& b, int stage, Workspace& ws,
                             float* x) const {
  const auto L = static_cast<int>(m.hparams().n_layer);
  const int64_t M = static_cast<int64_t>(b.tokens.size()), D = m.hparams().n_embd;
  if (stage == 0) {
    embed(m, w, b, ws, x);
  } else if (stage <= L) {
    const int l = stage - 1;
    ws.intervene(Site::Residual, l, x, M, D);
    block(m, w, b, l, ws, x);
    ws.observe(l, x, M, D);
  } else {
    ws.intervene(Site::Residual, L, x, M, D);
    finish(m, w, b, ws, x);
  }
}

void Architecture::forward(const Model& m, const WeightSet& w, const Batch& b, Workspace& ws) const {
  float* x = ws.buffer("x", b.tokens.size() * static_cast<size_t>(m.hparams().n_embd));
  for (int s = 0; s <= m.hparams().n_layer + 1; ++s) run_stage(m, w, b, s, ws, x);
}

int forward_stage_of(const std::string& canonical, int64_t n_layer) {
  auto starts = [&](const char* p) { return canonical.rfind(p, 0) == 0; };
  if (starts("blk.")) {
    const size_t dot = canonical.find('.', 4);
    if (dot == std::string::npos || dot == 4) return kEveryStage;
    int l = 0;
    for (size_t i = 4; i < dot; ++i) {
      if (canonical[i] < '0' || canonical[i] > '9' || l > 1000000) return kEveryStage;
      l = l * 10 + (canonical[i] - '0');
    }
    return l < n_layer ? l + 1 : kEveryStage;
  }
  if (starts("token_") || starts("position_")) return 0;
  if (starts("output_norm.") || starts("output_transform.")) return static_cast<int>(n_layer) + 1;
  if (starts("output.") || starts("output_proj.")) return kHeadOnly;
  return kEveryStage;
}

}  // namespace lq
