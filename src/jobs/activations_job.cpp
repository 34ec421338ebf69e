#include "jobs/activations_job.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/error.h"
#include "eval/corpus.h"
#include "eval/input_identity.h"
#include "eval/units.h"
#include "experiments/pass_memo.h"
#include "experiments/resumable_scoring.h"
#include "jobs/output_files.h"
#include "model/checkpoint.h"
#include "model/model_identity.h"
#include "quant/plan_apply.h"
#include "quant/presets.h"

namespace lq::jobs {
namespace {

using json = nlohmann::json;

// A finished language as bytes that read back bit for bit (CBOR keeps binary64 doubles,
// NaN and infinities included).
std::string encode_language(const analysis::LanguageActivations& la) {
  json layers = json::array();
  for (const auto& r : la.layers) {
    json top = json::array();
    for (const auto& m : r.top) top.push_back({m.sentence, m.position, m.token, m.channel, m.value});
    layers.push_back({{"layer", r.layer}, {"n", r.n}, {"rms", r.rms}, {"mean_abs", r.mean_abs},
                      {"max_abs", r.max_abs}, {"kurtosis", r.kurtosis}, {"median_abs", r.median_abs},
                      {"massive", r.massive}, {"top", top},
                      {"plan_rel_error", r.plan_rel_error ? json(*r.plan_rel_error) : json()}});
  }
  const auto bytes = json::to_cbor(json{{"lang", la.lang}, {"sentences", la.sentences}, {"rows", la.rows},
                                        {"critical_layers", la.critical_layers}, {"layers", layers}});
  return std::string(bytes.begin(), bytes.end());
}

analysis::LanguageActivations decode_language(const std::string& bytes, const std::string& path) {
  try {
    const json j = json::from_cbor(bytes);
    analysis::LanguageActivations la;
    la.lang = j.at("lang").get<std::string>();
    la.sentences = j.at("sentences").get<int64_t>();
    la.rows = j.at("rows").get<int64_t>();
    la.critical_layers = j.at("critical_layers").get<std::vector<int>>();
    for (const auto& e : j.at("layers")) {
      analysis::LayerActivations r;
      r.layer = e.at("layer").get<int>();
      r.n = e.at("n").get<int64_t>();
      r.rms = e.at("rms").get<double>();
      r.mean_abs = e.at("mean_abs").get<double>();
      r.max_abs = e.at("max_abs").get<double>();
      r.kurtosis = e.at("kurtosis").get<double>();
      r.median_abs = e.at("median_abs").get<double>();
      r.massive = e.at("massive").get<int64_t>();
      for (const auto& m : e.at("top"))
        r.top.push_back({m.at(0).get<int>(), m.at(1).get<int64_t>(), m.at(2).get<int32_t>(), m.at(3).get<int64_t>(),
                         m.at(4).get<float>()});
      if (!e.at("plan_rel_error").is_null()) r.plan_rel_error = e.at("plan_rel_error").get<double>();
      la.layers.push_back(std::move(r));
    }
    return la;
  } catch (const json::exception&) {
    fail(path, "damaged progress file (a language's statistics are unreadable): delete it and run again "
               "without --resume");
  }
}

}  // namespace

ActivationsResult run_activations(const ActivationsSpec& s, const JobProgress& progress) {
  const quant::Format base = quant::parse_preset_base("--base", s.base), keep = quant::parse_format(s.keep);
  auto model = Model::load(s.model);
  auto tok = open_tokenizer(*model);
  Corpus corpus = load_corpus(s.corpus, s.langs);
  for (auto& l : corpus.languages)
    if (s.sentences > 0 && static_cast<int>(l.sentences.size()) > s.sentences) l.sentences.resize(s.sentences);
  const UnitSet units = make_units(corpus, *tok, model->hparams(), UnitOptions{});
  std::vector<std::string> codes;
  for (const auto& l : corpus.languages) codes.push_back(l.code);

  WeightSet fp(*model);
  std::unique_ptr<WeightSet> plan;
  quant::QuantCache cache;
  if (!s.plan.empty()) {
    const auto resolved = quant::resolve_plan(quant::load_plan(s.plan, base, keep), *model);
    plan = std::make_unique<WeightSet>(quant::build_weight_set(*model, resolved, cache));
  }

  // Outputs are opened before the long computation (an unwritable path fails now) and written
  // together at the end; the progress is kept beside the first of them while the run lasts.
  OutputFiles outputs({s.out, s.md});
  const std::string progress_of = !s.out.empty() ? s.out : s.md;
  if (s.resume && progress_of.empty()) fail("--resume", "needs --out or --md (the run's progress is kept beside it)");
  std::unique_ptr<experiments::PassMemo> memo;
  if (!progress_of.empty()) {
    const json setup = {{"identity", {{"model", model_identity(*model)}, {"units", units_hash(units)}}},
                        {"plan", s.plan}, {"base", s.base}, {"keep", s.keep},
                        {"batch_tokens", s.options.batch_tokens}, {"massive_factor", s.options.massive_factor},
                        {"top_massive", s.options.top_massive}, {"critical_share", s.options.critical_share},
                        {"dump", s.dump}};
    memo = std::make_unique<experiments::PassMemo>(experiments::progress_path(progress_of), s.resume, "activations",
                                                   setup);
  }
  analysis::ActivationResume resume;
  if (memo) {
    const std::string where = experiments::progress_path(progress_of);
    resume.finished = [&](int lang) -> std::optional<analysis::LanguageActivations> {
      const auto bytes = memo->find_bytes("lang:" + codes[static_cast<size_t>(lang)]);
      if (!bytes) return std::nullopt;
      progress.say(codes[static_cast<size_t>(lang)] + ": finished by an earlier run");
      return decode_language(*bytes, where);
    };
    resume.on_finished = [&](int lang, const analysis::LanguageActivations& la) {
      memo->put_bytes("lang:" + codes[static_cast<size_t>(lang)], encode_language(la));
    };
  }

  analysis::HiddenSink sink;
  if (!s.dump.empty()) {
    std::filesystem::create_directories(s.dump);
    auto file = [&](const std::string& code, int layer) {
      return std::filesystem::path(s.dump) / (code + ".L" + std::to_string(layer) + ".f32");
    };
    sink = [&, file](int lang, int layer, const float* h, int64_t rows, int64_t dim) {
      const auto path = file(codes[static_cast<size_t>(lang)], layer);
      std::ofstream f(path, std::ios::binary | std::ios::app);
      if (!f) fail(path.string(), "cannot write");
      f.write(reinterpret_cast<const char*>(h), static_cast<std::streamsize>(rows * dim * sizeof(float)));
    };
    // Appended to batch by batch: a language not finished before must start from empty files.
    for (const auto& c : codes)
      if (!memo || !memo->find_bytes("lang:" + c))
        for (int l = 0; l < model->hparams().n_layer; ++l) std::filesystem::remove(file(c, l));
  }

  ActivationsResult r;
  r.spec = s;
  r.languages = analysis::activation_stats(*model, fp, plan.get(), units, codes, s.options, progress.quiet, sink, resume);
  for (const auto& la : r.languages)
    for (const auto& layer : la.layers)
      for (const auto& m : layer.top) r.token_text.emplace(m.token, tok->token_text(m.token));
  if (outputs.has(0)) outputs.write(0, r.to_json().dump(2) + "\n");
  if (outputs.has(1)) outputs.write(1, r.to_markdown());
  outputs.commit();
  if (memo) memo->finish();
  return r;
}

json ActivationsResult::to_json() const {
  auto num = [](double v) { return std::isfinite(v) ? json(v) : json(); };
  const auto& o = spec.options;
  json j;
  j["model"] = spec.model;
  j["corpus"] = spec.corpus;
  j["plan"] = spec.plan.empty() ? json() : json(spec.plan);
  j["sentences_per_language"] = spec.sentences;
  j["definitions"] = {
      {"hidden", "residual stream after each block (before the final norm), every row incl. BOS"},
      {"kurtosis", "excess (Fisher), biased, over every element"},
      {"median_abs", "lower median of |h|: the ((n-1)/2)-th smallest"},
      {"massive", "elements with |h| > " + std::to_string(o.massive_factor) + " * median_abs (per language, layer)"},
      {"critical_layers", "the round(" + std::to_string(o.critical_share) +
                              " * n_layer) layers with the largest mean |h|, largest first"},
      {"plan_rel_error", "sqrt(sum ||h_plan - h_fp||^2 / sum ||h_fp||^2) over the language's rows"}};
  for (const auto& la : languages) {
    json l = {{"lang", la.lang}, {"sentences", la.sentences}, {"rows", la.rows},
              {"critical_layers", la.critical_layers}};
    for (const auto& r : la.layers) {
      json e = {{"layer", r.layer}, {"n", r.n}, {"rms", num(r.rms)}, {"mean_abs", num(r.mean_abs)},
                {"max_abs", num(r.max_abs)}, {"kurtosis", num(r.kurtosis)}, {"median_abs", num(r.median_abs)},
                {"massive", r.massive}, {"massive_top", json::array()}};
      for (const auto& m : r.top)
        e["massive_top"].push_back({{"sentence", m.sentence}, {"position", m.position}, {"token", m.token},
                                    {"token_text", token_text.at(m.token)}, {"channel", m.channel},
                                    {"value", m.value}});
      e["plan_rel_error"] = r.plan_rel_error ? num(*r.plan_rel_error) : json();
      l["layers"].push_back(std::move(e));
    }
    j["languages"].push_back(std::move(l));
  }
  return j;
}

std::string ActivationsResult::to_markdown() const {
  const auto& res = languages;
  std::ostringstream o;
  o << "# Activations: " << spec.model << " on " << spec.corpus << "\n\n"
    << "Mean |h| of each block's output (residual stream) per language; critical layers = the top "
    << std::lround(100 * spec.options.critical_share) << "% of layers by mean |h|."
    << (spec.plan.empty() ? "" : " In brackets: relative L2 change under the plan.") << "\n\n| layer |";
  for (const auto& la : res) o << " " << la.lang << " |";
  o << "\n|---:|";
  for (size_t i = 0; i < res.size(); ++i) o << "---:|";
  o << "\n";
  char buf[64];
  for (size_t l = 0; !res.empty() && l < res[0].layers.size(); ++l) {
    o << "| " << l << " |";
    for (const auto& la : res) {
      const auto& r = la.layers[l];
      std::snprintf(buf, sizeof buf, " %.4g", r.mean_abs);
      o << buf;
      if (r.plan_rel_error) {
        std::snprintf(buf, sizeof buf, " (%.3g)", *r.plan_rel_error);
        o << buf;
      }
      o << " |";
    }
    o << "\n";
  }
  o << "\n| language | critical layers | massive activations (all layers) |\n|---|---|---:|\n";
  for (const auto& la : res) {
    int64_t massive = 0;
    for (const auto& r : la.layers) massive += r.massive;
    o << "| " << la.lang << " |";
    for (size_t i = 0; i < la.critical_layers.size(); ++i) o << (i ? ", " : " ") << la.critical_layers[i];
    o << " | " << massive << " |\n";
  }
  return o.str();
}

}  // namespace lq::jobs
