// langquant activations --model DIR --corpus C: per-language statistics of every block's
// output (the residual stream): RMS, mean/max |h|, kurtosis, massive activations, critical
// layers, and with --plan how far each layer moves from full precision.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/activation_stats.h"
#include "cli/commands.h"
#include "model/checkpoint.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "eval/corpus.h"
#include "eval/units.h"
#include "quant/plan_apply.h"
#include "quant/presets.h"

namespace lq::cli {
namespace {

struct ActivationsArgs {
  std::string model, corpus, plan, base = "int4", keep = "fp16", out, md, dump;
  std::vector<std::string> langs;
  int sentences = 100;
  analysis::ActivationOptions opt;
  ComputeOptions compute;
};

nlohmann::json to_json(const std::vector<analysis::LanguageActivations>& res, const Tokenizer& tok,
                       const ActivationsArgs& a) {
  using json = nlohmann::json;
  auto num = [](double v) { return std::isfinite(v) ? json(v) : json(); };
  json j;
  j["model"] = a.model;
  j["corpus"] = a.corpus;
  j["plan"] = a.plan.empty() ? json() : json(a.plan);
  j["sentences_per_language"] = a.sentences;
  j["definitions"] = {
      {"hidden", "residual stream after each block (before the final norm), every row incl. BOS"},
      {"kurtosis", "excess (Fisher), biased, over every element"},
      {"median_abs", "lower median of |h|: the ((n-1)/2)-th smallest"},
      {"massive", "elements with |h| > " + std::to_string(a.opt.massive_factor) + " * median_abs (per language, layer)"},
      {"critical_layers", "the round(" + std::to_string(a.opt.critical_share) +
                              " * n_layer) layers with the largest mean |h|, largest first"},
      {"plan_rel_error", "sqrt(sum ||h_plan - h_fp||^2 / sum ||h_fp||^2) over the language's rows"}};
  for (const auto& la : res) {
    json l = {{"lang", la.lang}, {"sentences", la.sentences}, {"rows", la.rows},
              {"critical_layers", la.critical_layers}};
    for (const auto& r : la.layers) {
      json e = {{"layer", r.layer}, {"n", r.n}, {"rms", num(r.rms)}, {"mean_abs", num(r.mean_abs)},
                {"max_abs", num(r.max_abs)}, {"kurtosis", num(r.kurtosis)}, {"median_abs", num(r.median_abs)},
                {"massive", r.massive}, {"massive_top", json::array()}};
      for (const auto& m : r.top)
        e["massive_top"].push_back({{"sentence", m.sentence}, {"position", m.position}, {"token", m.token},
                                    {"token_text", tok.token_text(m.token)}, {"channel", m.channel},
                                    {"value", m.value}});
      e["plan_rel_error"] = r.plan_rel_error ? num(*r.plan_rel_error) : json();
      l["layers"].push_back(std::move(e));
    }
    j["languages"].push_back(std::move(l));
  }
  return j;
}

std::string markdown(const std::vector<analysis::LanguageActivations>& res, const ActivationsArgs& a) {
  std::ostringstream o;
  o << "# Activations: " << a.model << " on " << a.corpus << "\n\n"
    << "Mean |h| of each block's output (residual stream) per language; critical layers = the top "
    << std::lround(100 * a.opt.critical_share) << "% of layers by mean |h|."
    << (a.plan.empty() ? "" : " In brackets: relative L2 change under the plan.") << "\n\n| layer |";
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

void run_activations(const ActivationsArgs& a) {
  const quant::Format base = quant::parse_preset_base("--base", a.base), keep = quant::parse_format(a.keep);
  apply_threads(a.compute);
  auto model = Model::load(a.model);
  auto tok = open_tokenizer(*model);
  Corpus corpus = load_corpus(a.corpus, a.langs);
  for (auto& l : corpus.languages)
    if (a.sentences > 0 && static_cast<int>(l.sentences.size()) > a.sentences) l.sentences.resize(a.sentences);
  const UnitSet units = make_units(corpus, *tok, model->hparams(), UnitOptions{});
  std::vector<std::string> codes;
  for (const auto& l : corpus.languages) codes.push_back(l.code);

  WeightSet fp(*model);
  std::unique_ptr<WeightSet> plan;
  quant::QuantCache cache;
  if (!a.plan.empty()) {
    const auto resolved = quant::resolve_plan(quant::load_plan(a.plan, base, keep), *model);
    plan = std::make_unique<WeightSet>(quant::build_weight_set(*model, resolved, cache));
  }
  analysis::HiddenSink sink;
  std::vector<std::unique_ptr<std::ofstream>> dumps;
  if (!a.dump.empty()) {
    std::filesystem::create_directories(a.dump);
    sink = [&](int lang, int layer, const float* h, int64_t rows, int64_t dim) {
      const auto path = std::filesystem::path(a.dump) / (codes[lang] + ".L" + std::to_string(layer) + ".f32");
      std::ofstream f(path, std::ios::binary | std::ios::app);
      if (!f) fail(path.string(), "cannot write");
      f.write(reinterpret_cast<const char*>(h), static_cast<std::streamsize>(rows * dim * sizeof(float)));
    };
    for (const auto& c : codes)
      for (int l = 0; l < model->hparams().n_layer; ++l)
        std::filesystem::remove(std::filesystem::path(a.dump) / (c + ".L" + std::to_string(l) + ".f32"));
  }
  const auto res = analysis::activation_stats(*model, fp, plan.get(), units, codes, a.opt, a.compute.quiet, sink);
  const std::string json = to_json(res, *tok, a).dump(2) + "\n", md = markdown(res, a);
  if (!a.out.empty()) write_file_atomic(a.out, json);
  if (!a.md.empty()) write_file_atomic(a.md, md);
  if (a.out.empty() && a.md.empty()) std::cout << md;
}

}  // namespace

void register_activations(CLI::App& app) {
  auto a = std::make_shared<ActivationsArgs>();
  auto* cmd = app.add_subcommand(
      "activations",
      "Per-language statistics of every block's output (residual stream): RMS, mean and max |h|, excess kurtosis, "
      "massive activations (|h| > 100x the layer's median |h|) with token and channel, each language's critical "
      "layers (top 20% by mean |h|), and with --plan the relative L2 change of every layer under the plan");
  cmd->add_option("--model,-m", a->model, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  cmd->add_option("--corpus,-c", a->corpus, "Corpus folder (see 'langquant eval --help')")->required();
  cmd->add_option("--langs", a->langs, "Languages to run (default: all)")->delimiter(',');
  cmd->add_option("--sentences", a->sentences, "First N sentences per language (0: all; default 100)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--plan,-p", a->plan, "Quantization plan whose effect on each layer to measure");
  cmd->add_option("--base", a->base, "Base format of presets (default int4)");
  cmd->add_option("--keep", a->keep, "Format of the parts presets protect (default fp16)");
  cmd->add_option("--massive-factor", a->opt.massive_factor, "Massive: |h| > factor * median |h| (default 100)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--top", a->opt.top_massive, "Massive activations listed per layer (default 5)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--critical-share", a->opt.critical_share, "Share of layers called critical (default 0.2)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--batch-tokens", a->opt.batch_tokens, "Rows per forward batch (default 2048)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--out,-o", a->out, "JSON with every statistic");
  cmd->add_option("--md", a->md, "Markdown tables (printed when no output file is given)");
  cmd->add_option("--dump-hidden", a->dump,
                  "Also write each block's output as raw float32 [rows, dim] to DIR/<lang>.L<layer>.f32 "
                  "(sentences in corpus order, each with its BOS row; for small runs and tests)");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] { run_activations(*a); });
}

}  // namespace lq::cli
