#include "export/verify_export.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "eval/corpus.h"
#include "eval/engine.h"
#include "eval/units.h"
#include "model/checkpoint.h"
#include "model/model.h"
#include "quant/plan_apply.h"
#include "quant/presets.h"

namespace lq::exporter {
namespace {

// llama.cpp's side, run by the child interpreter: every unit evaluated alone from an empty
// cache, all logits kept; the scored rows' -log softmax at the target, summed per unit (f64).
constexpr const char* kLlamaScript = R"PY(
import json, sys
import numpy as np
import llama_cpp
req = json.load(open(sys.argv[1]))
m = llama_cpp.Llama(model_path=req["gguf"], n_ctx=req["n_ctx"], n_batch=req["n_ctx"], n_ubatch=req["n_ctx"],
                    n_threads=req["threads"], logits_all=True, verbose=False)
out = []
for u in req["units"]:
    ids, first, end = u["ids"], u["first"], u["end"]
    m.reset()
    m.eval(ids)
    rows = np.asarray(m.scores[first - 1:end - 1], dtype=np.float64)
    mx = rows.max(axis=1)
    lse = mx + np.log(np.exp(rows - mx[:, None]).sum(axis=1))
    out.append(float((lse - rows[np.arange(len(rows)), ids[first:end]]).sum()))
json.dump({"nll": out}, open(sys.argv[2], "w"))
)PY";

std::string sh_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string interpreter(const VerifySpec& spec) {
  if (!spec.python.empty()) return spec.python;
  if (const char* env = std::getenv("LQ_PYTHON"); env && *env) return env;
  return "python3";
}

// A folder removed with everything in it when the verification ends, however it ends.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("lq-verify-export-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

double VerifyLanguage::ppl_diff_percent() const { return 100.0 * std::expm1(nll_llama - nll_langquant); }

VerifyResult verify_export(const VerifySpec& spec) {
  VerifyResult res;
  res.python = interpreter(spec);
  if (std::system((sh_quote(res.python) + " -c 'import llama_cpp' >/dev/null 2>&1").c_str()) != 0)
    fail("verify-export", res.python + " cannot import llama_cpp: llama.cpp comes from llama-cpp-python (pip install "
                                       "llama-cpp-python), or name an interpreter that has it with --python or LQ_PYTHON");
  if (!std::filesystem::is_regular_file(spec.gguf)) fail(spec.gguf, "no such GGUF file (write it with langquant export)");

  // langquant's simulation of the plan on stream windows of the corpus.
  const quant::Plan plan = quant::load_plan(spec.plan, quant::parse_preset_base("--base", spec.base), quant::parse_format(spec.keep));
  res.plan_line = quant::plan_to_line(plan);
  auto model = Model::load(spec.model);
  auto tok = open_tokenizer(*model);
  Corpus corpus = load_corpus(spec.corpus, spec.langs);
  keep_first_sentences(corpus, spec.sentences);
  UnitOptions uo;
  uo.mode = ScoreMode::Stream;
  uo.n_ctx = spec.n_ctx;
  const UnitSet units = make_units(corpus, *tok, model->hparams(), uo);
  if (units.units.empty()) fail(spec.corpus, "no window of " + std::to_string(spec.n_ctx) + " tokens (use more sentences or a smaller --ctx)");
  quant::QuantCache cache;
  const WeightSet ws = quant::build_weight_set(*model, quant::resolve_plan(plan, *model), cache);
  std::vector<double> nll_lq(units.units.size(), 0.0);
  std::vector<int64_t> count(units.units.size(), 0);
  score_units(*model, {&ws}, units, EngineOptions{}, [&](const TokenResult& t) {
    nll_lq[t.unit] -= t.logprob;
    ++count[t.unit];
  });

  // llama.cpp on the exported file, the same ids.
  TempDir tmp;
  nlohmann::json req;
  req["gguf"] = std::filesystem::absolute(spec.gguf).string();
  req["threads"] = spec.threads;
  size_t longest = 0;
  for (const auto& u : units.units) {
    req["units"].push_back({{"ids", u.ids}, {"first", u.first_scored}, {"end", units.scored_end(u)}});
    longest = std::max(longest, u.ids.size());
  }
  req["n_ctx"] = longest;
  const auto req_path = (tmp.path / "request.json").string(), out_path = (tmp.path / "nll.json").string();
  const auto script = (tmp.path / "score.py").string();
  write_file_atomic(req_path, req.dump());
  write_file_atomic(script, kLlamaScript);
  const std::string cmd = sh_quote(res.python) + " " + sh_quote(script) + " " + sh_quote(req_path) + " " +
                          sh_quote(out_path) + " 2>" + sh_quote((tmp.path / "stderr.txt").string());
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream err(tmp.path / "stderr.txt");
    std::string line, last;
    while (std::getline(err, line))
      if (!line.empty()) last = line;
    fail(spec.gguf, "llama.cpp (" + res.python + ") failed on it: " + last);
  }
  nlohmann::json got;
  std::ifstream(out_path) >> got;
  const auto nll_ll = got.at("nll").get<std::vector<double>>();
  if (nll_ll.size() != units.units.size()) fail(spec.gguf, "llama.cpp scored another number of windows");

  res.languages.resize(corpus.languages.size());
  for (size_t l = 0; l < corpus.languages.size(); ++l) res.languages[l].lang = corpus.languages[l].code;
  res.all.lang = "all";
  for (size_t i = 0; i < units.units.size(); ++i) {
    for (VerifyLanguage* v : {&res.languages[units.units[i].lang], &res.all}) {
      ++v->windows;
      v->tokens += count[i];
      v->nll_langquant += nll_lq[i];
      v->nll_llama += nll_ll[i];
    }
  }
  for (VerifyLanguage* v = res.languages.data(); v != res.languages.data() + res.languages.size(); ++v)
    if (v->tokens > 0) v->nll_langquant /= v->tokens, v->nll_llama /= v->tokens;
  if (res.all.tokens > 0) res.all.nll_langquant /= res.all.tokens, res.all.nll_llama /= res.all.tokens;
  return res;
}

}  // namespace lq::exporter
