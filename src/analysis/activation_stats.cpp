#include "analysis/activation_stats.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "core/mapped_file.h"
#include "analysis/moments.h"
#include "analysis/float_bits.h"
#include "core/error.h"
#include "core/progress.h"
#include "model/batch.h"
#include "model/workspace.h"

namespace lq::analysis {
namespace {

// One layer of one language, across both passes.
struct LayerAcc {
  Moments moments;
  double sum_abs = 0, sum_sq = 0, max_abs = 0, err2 = 0, ref2 = 0;
  std::vector<int64_t> high = std::vector<int64_t>(65536, 0);  // pass 1: upper 16 bits of |h|
  // Pass 2: the median's bucket, resolved on the lower 16 bits, and the massive candidates.
  uint32_t bucket = 0;
  int64_t below = 0, k = 0;
  std::vector<int64_t> low;
  double sure = 0, maybe = 0;  // |h| >= sure is massive whatever the median; |h| <= maybe is not
  int64_t massive_sure = 0;
  std::vector<float> band;     // values between the two bounds, decided once the median is known
  std::vector<MassiveActivation> top;
};

// Rows of a batch: which unit and position each comes from.
struct RowOrigin {
  int unit;
  int64_t position;
};

void keep_top(std::vector<MassiveActivation>& top, size_t n) {
  auto bigger = [](const MassiveActivation& a, const MassiveActivation& b) {
    return std::abs(a.value) > std::abs(b.value);
  };
  if (top.size() > 4 * n + 64) {
    std::nth_element(top.begin(), top.begin() + static_cast<std::ptrdiff_t>(n), top.end(), bigger);
    top.resize(n);
  }
}

}  // namespace

std::vector<LanguageActivations> activation_stats(const Model& model, const WeightSet& fp, const WeightSet* plan,
                                                  const UnitSet& units, const std::vector<std::string>& languages,
                                                  const ActivationOptions& opt, bool quiet, const HiddenSink& sink,
                                                  const ActivationResume& resume) {
  const int L = static_cast<int>(model.hparams().n_layer);
  int64_t total_rows = 0;
  for (const auto& u : units.units) total_rows += static_cast<int64_t>(u.ids.size());
  Progress progress("activations", total_rows * (plan ? 3 : 2), "tokens", quiet);

  std::vector<LanguageActivations> out;
  Workspace ws;
  Batch batch;
  std::vector<RowOrigin> origin;
  for (int lang = 0; lang < static_cast<int>(languages.size()); ++lang) {
    std::vector<int> members;
    for (int i = 0; i < static_cast<int>(units.units.size()); ++i)
      if (units.units[i].lang == lang) members.push_back(i);
    if (members.empty()) fail(languages[static_cast<size_t>(lang)], "no sentences to run");
    if (auto done = resume.finished ? resume.finished(lang) : std::nullopt) {
      int64_t rows = 0;
      for (int u : members) rows += static_cast<int64_t>(units.units[static_cast<size_t>(u)].ids.size());
      progress.advance(rows * (plan ? 3 : 2));
      out.push_back(std::move(*done));
      continue;
    }
    std::vector<LayerAcc> acc(static_cast<size_t>(L));
    std::vector<std::vector<float>> fp_hidden(static_cast<size_t>(L));
    int64_t rows_total = 0;

    // Runs every batch of this language through `set`, calling `observe` after each block.
    auto run = [&](const WeightSet& set, const Workspace::BlockObserver& observe) {
      ws.set_observer(observe);
      size_t next = 0;
      while (next < members.size()) {
        batch.clear();
        origin.clear();
        while (next < members.size()) {
          const Unit& u = units.units[static_cast<size_t>(members[next])];
          const auto n = static_cast<int64_t>(u.ids.size());
          if (batch.rows() > 0 && batch.rows() + n > opt.batch_tokens) break;
          batch.add_sequence(u.ids);
          for (int64_t p = 0; p < n; ++p) origin.push_back({members[next], p});
          ++next;
        }
        model.arch().forward(model, set, batch, ws);
        check_mapped_files_unchanged();  // a checkpoint rewritten mid-run: stop, do not mix
        progress.advance(batch.rows());
      }
      ws.set_observer(nullptr);
    };

    auto pass1 = [&](int layer, const float* h, int64_t rows, int64_t dim) {
      LayerAcc& a = acc[static_cast<size_t>(layer)];
      const int64_t n = rows * dim;
      a.moments.merge(Moments::of(h, n));
      for (int64_t i = 0; i < n; ++i) {
        const double v = std::abs(h[i]);
        a.sum_abs += v;
        a.sum_sq += v * v;
        a.max_abs = std::max(a.max_abs, v);
        ++a.high[abs_bits(h[i]) >> 16];
      }
      if (plan) fp_hidden[static_cast<size_t>(layer)].assign(h, h + n);
      if (sink) sink(lang, layer, h, rows, dim);
    };
    auto compare = [&](int layer, const float* h, int64_t rows, int64_t dim) {
      LayerAcc& a = acc[static_cast<size_t>(layer)];
      const float* ref = fp_hidden[static_cast<size_t>(layer)].data();
      for (int64_t i = 0; i < rows * dim; ++i) {
        const double d = static_cast<double>(h[i]) - ref[i];
        a.err2 += d * d;
        a.ref2 += static_cast<double>(ref[i]) * ref[i];
      }
    };
    if (plan) {
      // FP and plan per batch, so only one batch of FP block outputs is ever stored.
      size_t next = 0;
      std::vector<int> all = members;
      while (next < all.size()) {
        size_t end = next;
        int64_t rows = 0;
        while (end < all.size()) {
          const auto n = static_cast<int64_t>(units.units[static_cast<size_t>(all[end])].ids.size());
          if (rows > 0 && rows + n > opt.batch_tokens) break;
          rows += n;
          ++end;
        }
        members.assign(all.begin() + static_cast<std::ptrdiff_t>(next), all.begin() + static_cast<std::ptrdiff_t>(end));
        run(fp, pass1);
        run(*plan, compare);
        next = end;
      }
      members = all;
    } else {
      run(fp, pass1);
    }
    for (int u : members) rows_total += static_cast<int64_t>(units.units[static_cast<size_t>(u)].ids.size());

    // The median's bucket: the lowest one whose cumulative count passes k.
    for (LayerAcc& a : acc) {
      const auto n = static_cast<int64_t>(a.moments.n);
      a.k = (n - 1) / 2;
      int64_t cum = 0;
      uint32_t b = 0;
      while (cum + a.high[b] <= a.k) cum += a.high[b++];
      a.bucket = b;
      a.below = cum;
      a.low.assign(65536, 0);
      a.maybe = opt.massive_factor * from_bits(b << 16);
      a.sure = opt.massive_factor * from_bits((b + 1) << 16);
      a.high.clear();
      a.high.shrink_to_fit();
    }
    auto pass2 = [&](int layer, const float* h, int64_t rows, int64_t dim) {
      LayerAcc& a = acc[static_cast<size_t>(layer)];
      for (int64_t i = 0; i < rows * dim; ++i) {
        const uint32_t bits = abs_bits(h[i]);
        if ((bits >> 16) == a.bucket) ++a.low[bits & 0xffffu];
        const double v = std::abs(h[i]);
        if (v <= a.maybe) continue;
        if (v >= a.sure) ++a.massive_sure;
        else a.band.push_back(h[i]);
        const RowOrigin& o = origin[static_cast<size_t>(i / dim)];
        const Unit& u = units.units[static_cast<size_t>(o.unit)];
        a.top.push_back({u.index, o.position, u.ids[static_cast<size_t>(o.position)], i % dim, h[i]});
        keep_top(a.top, static_cast<size_t>(opt.top_massive));
      }
    };
    run(fp, pass2);

    LanguageActivations la;
    la.lang = languages[static_cast<size_t>(lang)];
    la.sentences = static_cast<int64_t>(members.size());
    la.rows = rows_total;
    for (int l = 0; l < L; ++l) {
      LayerAcc& a = acc[static_cast<size_t>(l)];
      LayerActivations r;
      r.layer = l;
      r.n = static_cast<int64_t>(a.moments.n);
      r.rms = std::sqrt(a.sum_sq / a.moments.n);
      r.mean_abs = a.sum_abs / a.moments.n;
      r.max_abs = a.max_abs;
      r.kurtosis = a.moments.excess_kurtosis();
      int64_t cum = a.below;
      uint32_t low = 0;
      while (cum + a.low[low] <= a.k) cum += a.low[low++];
      r.median_abs = from_bits(a.bucket << 16 | low);
      const double threshold = opt.massive_factor * r.median_abs;
      r.massive = a.massive_sure;
      for (float v : a.band) r.massive += std::abs(static_cast<double>(v)) > threshold;
      std::sort(a.top.begin(), a.top.end(), [](const MassiveActivation& x, const MassiveActivation& y) {
        return std::abs(x.value) > std::abs(y.value);
      });
      for (const auto& m : a.top)
        if (static_cast<int>(r.top.size()) < opt.top_massive && std::abs(static_cast<double>(m.value)) > threshold)
          r.top.push_back(m);
      if (plan) r.plan_rel_error = a.ref2 > 0 ? std::sqrt(a.err2 / a.ref2) : 0.0;
      la.layers.push_back(std::move(r));
    }
    std::vector<int> order(static_cast<size_t>(L));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
      return la.layers[static_cast<size_t>(x)].mean_abs > la.layers[static_cast<size_t>(y)].mean_abs;
    });
    const int count = std::clamp(static_cast<int>(std::lround(opt.critical_share * L)), 1, L);
    la.critical_layers.assign(order.begin(), order.begin() + count);
    if (resume.on_finished) resume.on_finished(lang, la);
    out.push_back(std::move(la));
  }
  progress.finish();
  return out;
}

}  // namespace lq::analysis
