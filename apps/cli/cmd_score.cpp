// langquant score: per-token log-probabilities of a text file, one JSON object per token.
#include <cmath>
#include <cstdio>

#include "cli/commands.h"
#include "core/error.h"
#include "model/checkpoint.h"
#include "core/atomic_file.h"
#include "core/mapped_file.h"
#include "core/progress.h"
#include "eval/engine.h"
#include "model/weight_set.h"

namespace lq::cli {
namespace {

struct ScoreArgs {
  std::string model, file, out;
  int64_t batch_tokens = 2048;
  ComputeOptions compute;
};

void run_score(const ScoreArgs& a) {
  apply_threads(a.compute);
  auto model = Model::load(a.model);
  auto tok = open_tokenizer(*model);
  // Every line counts here (blank ones too) so that `line` is the 0-based input line number.
  std::string text = read_file(a.file);
  std::vector<std::string> lines;
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = nl + 1;
  }
  if (lines.empty()) fail(a.file, "no lines to score (file is empty)");

  UnitSet units;
  units.n_ctx = model->hparams().n_ctx;
  if (model->hparams().masked_lm) {
    // Pseudo-log-likelihood: every token of the line is scored with it masked (eval/units.h).
    units.mask_id = mask_token_id(*tok);
    for (size_t i = 0; i < lines.size(); ++i) {
      bool cut = false;
      Unit u = make_masked_unit(lines[i], *tok, units.n_ctx, &cut);
      u.index = static_cast<int>(i);
      if (cut)
        fail(a.file, "line " + std::to_string(i + 1) + " has more tokens than the model's context of " +
                         std::to_string(units.n_ctx));
      if (units.scored_end(u) > u.first_scored) units.units.push_back(std::move(u));
    }
  }
  units.bos = !model->hparams().masked_lm && model->hparams().bos_id.has_value();
  for (size_t i = 0; i < lines.size() && !model->hparams().masked_lm; ++i) {
    Unit u;
    u.index = static_cast<int>(i);
    if (units.bos) u.ids.push_back(*model->hparams().bos_id);
    u.text_offset = static_cast<int64_t>(u.ids.size());
    const auto ids = tok->encode(lines[i]);
    u.ids.insert(u.ids.end(), ids.begin(), ids.end());
    if (static_cast<int64_t>(u.ids.size()) > units.n_ctx)
      fail(a.file, "line " + std::to_string(i + 1) + " has " + std::to_string(u.ids.size()) +
                       " tokens, more than the model's context of " + std::to_string(units.n_ctx));
    if (u.ids.size() > 1) units.units.push_back(std::move(u));
  }
  WeightSet fp(*model);
  AtomicFile out(a.out);
  int64_t total = 0;
  for (const auto& u : units.units) total += units.rows_of(u);
  Progress progress("score", total, "tokens", a.compute.quiet);
  EngineOptions eo;
  eo.batch_tokens = a.batch_tokens;
  score_units(*model, {&fp}, units, eo, [&](const TokenResult& t) {
    const Unit& u = units.units[t.unit];
    nlohmann::json j;
    j["line"] = u.index;
    j["pos"] = t.position - u.text_offset;
    j["id"] = t.target;
    j["token"] = tok->token_text(t.target);
    j["logprob"] = t.logprob;
    out.stream() << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }, &progress);
  progress.finish();
  out.commit();
}

}  // namespace

void register_score(CLI::App& app) {
  auto a = std::make_shared<ScoreArgs>();
  auto* cmd = app.add_subcommand(
      "score",
      "Write the log-probability of every token of a text file, one JSON object per line of OUT:\n"
      "  {\"line\": 0-based input line, \"pos\": index of the token in that line's token sequence,\n"
      "   \"id\": token id, \"token\": its vocabulary string, \"logprob\": natural log}\n"
      "Each input line is scored on its own. When the model has a BOS token (config bos_token_id) it is\n"
      "prepended and every token of the line is scored (pos 0 is predicted from BOS alone); without\n"
      "one, pos 0 is context only and scoring starts at pos 1. Blank lines produce no tokens.\n"
      "Masked language models (BERT) are scored by pseudo-log-likelihood: each token of the line\n"
      "(inside the tokenizer's [CLS] ... [SEP]) is replaced by [MASK] and its log-probability taken\n"
      "there; pos 0 is the line's first token.");
  cmd->add_option("--model,-m", a->model, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  cmd->add_option("--file,-f", a->file, "UTF-8 text, one sequence per line")->required();
  cmd->add_option("--out,-o", a->out, "Output JSON Lines file (written atomically)")->required();
  cmd->add_option("--batch-tokens", a->batch_tokens, "Rows per forward pass (sentences are packed)")
      ->check(CLI::PositiveNumber);
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] { run_score(*a); });
}

}  // namespace lq::cli
