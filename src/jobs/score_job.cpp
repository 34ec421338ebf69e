#include "jobs/score_job.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_error.h"
#include "core/mapped_file.h"
#include "core/progress.h"
#include "eval/engine.h"
#include "model/checkpoint.h"
#include "model/weight_set.h"

namespace lq::jobs {
namespace {

// Every line counts (blank ones too) so that a unit's index is the 0-based input line number.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = nl + 1;
  }
  return lines;
}

// Unlike a corpus (eval/units.h cuts long sentences), a line longer than the context is an
// error here: every token of the file gets its log-probability or the command fails.
UnitSet line_units(const std::vector<std::string>& lines, const Tokenizer& tok, const HParams& hp,
                   const std::string& path) {
  UnitSet units;
  units.n_ctx = hp.n_ctx;
  if (hp.masked_lm) {
    units.mask_id = mask_token_id(tok);
    for (size_t i = 0; i < lines.size(); ++i) {
      bool cut = false;
      Unit u = make_masked_unit(lines[i], tok, units.n_ctx, &cut);
      u.index = static_cast<int>(i);
      if (cut)
        fail(path, "line " + std::to_string(i + 1) + " has more tokens than the model's context of " +
                       std::to_string(units.n_ctx));
      if (units.scored_end(u) > u.first_scored) units.units.push_back(std::move(u));
    }
    return units;
  }
  units.bos = hp.bos_id.has_value();
  for (size_t i = 0; i < lines.size(); ++i) {
    Unit u;
    u.index = static_cast<int>(i);
    if (units.bos) u.ids.push_back(*hp.bos_id);
    u.text_offset = static_cast<int64_t>(u.ids.size());
    const auto ids = tok.encode(lines[i]);
    u.ids.insert(u.ids.end(), ids.begin(), ids.end());
    if (static_cast<int64_t>(u.ids.size()) > units.n_ctx)
      fail(path, "line " + std::to_string(i + 1) + " has " + std::to_string(u.ids.size()) +
                     " tokens, more than the model's context of " + std::to_string(units.n_ctx));
    if (u.ids.size() > 1) units.units.push_back(std::move(u));
  }
  return units;
}

}  // namespace

ScoreResult run_score(const ScoreSpec& spec, const JobProgress& progress) {
  auto model = Model::load(spec.model);
  auto tok = open_tokenizer(*model);
  const std::vector<std::string> lines = lines_of(read_file(spec.file));
  if (lines.empty()) fail(spec.file, "no lines to score (file is empty)");
  const UnitSet units = line_units(lines, *tok, model->hparams(), spec.file);

  WeightSet fp(*model);
  int64_t total = 0;
  for (const auto& u : units.units) total += units.rows_of(u);
  Progress bar("score", total, "tokens", progress.quiet);
  EngineOptions eo;
  eo.batch_tokens = spec.batch_tokens;
  ScoreResult r;
  score_units(*model, {&fp}, units, eo, [&](const TokenResult& t) {
    const Unit& u = units.units[t.unit];
    r.tokens.push_back({u.index, t.position - u.text_offset, t.target, tok->token_text(t.target), t.logprob});
  }, &bar);
  bar.finish();
  return r;
}

std::string ScoreResult::to_jsonl() const {
  std::string out;
  for (const auto& t : tokens) {
    nlohmann::json j;
    j["line"] = t.line;
    j["pos"] = t.pos;
    j["id"] = t.id;
    j["token"] = t.token;
    j["logprob"] = t.logprob;
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return out;
}

ScoreResult ScoreResult::from_jsonl(const std::string& text, const std::string& path) {
  ScoreResult r;
  size_t line_no = 0;
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    const std::string line = text.substr(start, nl - start);
    start = nl + 1;
    ++line_no;
    if (line.empty()) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      r.tokens.push_back({j.at("line").get<int>(), j.at("pos").get<int64_t>(), j.at("id").get<int32_t>(),
                          j.at("token").get<std::string>(), j.at("logprob").get<double>()});
    } catch (const nlohmann::json::exception& e) {
      fail(path, "line " + std::to_string(line_no) + ": not a score record: " + json_problem(e));
    }
  }
  return r;
}

}  // namespace lq::jobs
