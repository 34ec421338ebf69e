#include "experiments/sinks_job.h"

#include <cmath>

#include "core/error.h"
#include "core/progress.h"
#include "eval/corpus.h"
#include "experiments/plan_scoring.h"
#include "model/checkpoint.h"
#include "quant/plan_apply.h"
#include "quant/presets.h"

namespace lq {
namespace {

// Pooled over languages: the first-token share of (layer, head).
double pooled_first(const analysis::SinkTable& t, size_t l, size_t h) {
  double s = 0;
  int64_t q = 0;
  for (const auto& lang : t) {
    s += lang[l][h].first_sum;
    q += lang[l][h].queries;
  }
  return q ? s / static_cast<double>(q) : NAN;
}

// Mean over heads of one language's first-token share (or of its absolute change).
double mean_over_heads(const analysis::SinkTable& a, const analysis::SinkTable* b, size_t lang) {
  double s = 0;
  int n = 0;
  for (size_t l = 0; l < a[lang].size(); ++l)
    for (size_t h = 0; h < a[lang][l].size(); ++h, ++n)
      s += b ? std::fabs((*b)[lang][l][h].first() - a[lang][l][h].first()) : a[lang][l][h].first();
  return n ? s / n : NAN;
}

void add_correlation(SinksReport& r, const std::string& x, const std::string& y, const std::string& over,
                     const std::vector<double>& xs, const std::vector<double>& ys,
                     const analysis::CorrelationOptions& o) {
  if (xs.size() < 3) return;  // no correlation of fewer than 3 pairs
  for (size_t i = 0; i < xs.size(); ++i)
    if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) return;
  r.correlations.push_back({x, y, over, analysis::spearman(xs, ys, o), analysis::pearson(xs, ys, o)});
}

}  // namespace

double head_outlier_ratio(const WeightSet& w, int layer, int head) {
  const Model& m = w.model();
  const HParams& hp = m.hparams();
  const int64_t hd = hp.head_dim(), Dq = hp.n_head * hd, Dkv = hp.n_head_kv * hd;
  const int64_t hk = head / (hp.n_head / hp.n_head_kv);
  const std::string blk = "blk." + std::to_string(layer) + ".";
  double max_abs = 0, sum2 = 0;
  int64_t n = 0;
  std::vector<float> row;
  auto take_rows = [&](const std::string& name, int64_t r0, int64_t count) {
    const TensorInfo& t = m.get(name);
    row.resize(static_cast<size_t>(t.in_dim()));
    for (int64_t r = r0; r < r0 + count; ++r) {
      w.matrix_row(name, r, row.data());
      for (float v : row) max_abs = std::max(max_abs, double(std::fabs(v))), sum2 += double(v) * v, ++n;
    }
  };
  if (const TensorInfo* fused = m.find(blk + "attn_qkv.weight")) {
    if (fused->qkv_per_head)
      take_rows(blk + "attn_qkv.weight", head * 3 * hd, 3 * hd);
    else
      for (int64_t start : {head * hd, Dq + hk * hd, Dq + Dkv + hk * hd}) take_rows(blk + "attn_qkv.weight", start, hd);
  } else {
    take_rows(blk + "attn_q.weight", head * hd, hd);
    take_rows(blk + "attn_k.weight", hk * hd, hd);
    take_rows(blk + "attn_v.weight", hk * hd, hd);
  }
  const std::string o = blk + "attn_output.weight";
  const TensorInfo& t = m.get(o);
  row.resize(static_cast<size_t>(t.in_dim()));
  for (int64_t r = 0; r < t.out_dim(); ++r) {
    w.matrix_row(o, r, row.data());
    for (int64_t c = head * hd; c < (head + 1) * hd; ++c) {
      const double v = row[static_cast<size_t>(c)];
      max_abs = std::max(max_abs, std::fabs(v)), sum2 += v * v, ++n;
    }
  }
  return n && sum2 > 0 ? max_abs / std::sqrt(sum2 / static_cast<double>(n)) : NAN;
}

SinksReport run_sinks_job(const SinksSpec& spec) {
  auto model = Model::load(spec.model);
  auto tok = open_tokenizer(*model);
  Corpus corpus = load_corpus(spec.corpus, spec.langs);
  keep_first_sentences(corpus, spec.sentences);
  const UnitSet units = make_units(corpus, *tok, model->hparams(), UnitOptions{});
  const HParams& hp = model->hparams();

  SinksReport r;
  r.model = spec.model;
  r.corpus = spec.corpus;
  r.n_layer = static_cast<int>(hp.n_layer);
  r.n_head = static_cast<int>(hp.n_head);
  r.sentences_per_language = spec.sentences;
  r.threshold = spec.sinks.threshold;
  for (const auto& l : corpus.languages) r.languages.push_back(l.code);
  const size_t L = r.languages.size();

  const WeightSet fp(*model);
  r.fp = analysis::attention_sinks(*model, fp, units, L, spec.sinks);
  for (int l = 0; l < hp.n_layer; ++l) {
    r.head_outlier.emplace_back();
    for (int h = 0; h < hp.n_head; ++h) r.head_outlier.back().push_back(head_outlier_ratio(fp, l, h));
  }
  std::vector<double> head_first, head_outlier, head_change;
  for (size_t l = 0; l < r.head_outlier.size(); ++l)
    for (size_t h = 0; h < r.head_outlier[l].size(); ++h) {
      head_first.push_back(pooled_first(r.fp, l, h));
      head_outlier.push_back(r.head_outlier[l][h]);
    }
  add_correlation(r, "first-token share (FP)", "head weight outlier ratio", "heads", head_first, head_outlier,
                  spec.correlation);

  if (!spec.plan.empty()) {
    const PreparedPlan plan =
        prepare_plan(spec.plan, quant::parse_preset_base("--base", spec.base), quant::parse_format(spec.keep), *model);
    r.plan = plan.info.name;
    r.plan_line = plan.info.description;
    quant::QuantCache cache;
    const WeightSet planned = quant::build_weight_set(*model, plan.resolved, cache);
    r.planned = analysis::attention_sinks(*model, planned, units, L, spec.sinks);
    int64_t rows = 0;
    for (const auto& u : units.units) rows += static_cast<int64_t>(u.ids.size());
    Progress progress("sinks", rows, "tokens", spec.quiet);
    EngineOptions eo;
    eo.batch_tokens = spec.sinks.batch_tokens;
    const auto scores = score_sets(*model, {&fp, &planned}, units, eo, &progress);
    progress.finish();
    for (size_t lang = 0; lang < L; ++lang) {
      std::vector<size_t> idx;
      for (size_t u = 0; u < units.units.size(); ++u)
        if (units.units[u].lang == static_cast<int>(lang)) idx.push_back(u);
      r.delta_nll.push_back(bootstrap(idx.size(), spec.bootstrap, [&](const ResampleCounts& c) {
        double d = 0, t = 0;
        for (size_t i = 0; i < idx.size(); ++i) {
          d += c[i] * (scores[idx[i]].nll[1] - scores[idx[i]].nll[0]);
          t += c[i] * static_cast<double>(scores[idx[i]].tokens);
        }
        return t > 0 ? d / t : NAN;
      }));
    }
    for (size_t l = 0; l < r.head_outlier.size(); ++l)
      for (size_t h = 0; h < r.head_outlier[l].size(); ++h)
        head_change.push_back(std::fabs(pooled_first(r.planned, l, h) - pooled_first(r.fp, l, h)));
    add_correlation(r, "|change of first-token share| under the plan", "head weight outlier ratio", "heads",
                    head_change, head_outlier, spec.correlation);
    std::vector<double> lang_first, lang_change, lang_delta;
    for (size_t lang = 0; lang < L; ++lang) {
      lang_first.push_back(mean_over_heads(r.fp, nullptr, lang));
      lang_change.push_back(mean_over_heads(r.fp, &r.planned, lang));
      lang_delta.push_back(r.delta_nll[lang].value);
    }
    add_correlation(r, "mean first-token share over heads (FP)", "delta NLL under the plan", "languages", lang_first,
                    lang_delta, spec.correlation);
    add_correlation(r, "mean |change of first-token share| over heads", "delta NLL under the plan", "languages",
                    lang_change, lang_delta, spec.correlation);
  }
  return r;
}

}  // namespace lq
