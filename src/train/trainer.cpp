#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "tokenizers/bpe_trainer.h"
#include "train/data_mix.h"
#include "train/gpt2_trainable.h"
#include "train/lr_schedule.h"
#include "train/train_state.h"

namespace lq::train {
namespace fs = std::filesystem;
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Everything that decides the numbers of a run; a resumed run must match it exactly.
nlohmann::json settings_json(const TrainConfig& c, int64_t warmup, const std::vector<MixSource>& mix) {
  nlohmann::json m = nlohmann::json::array();
  for (const auto& s : mix) m.push_back({{"lang", s.lang}, {"files", s.files}, {"weight", s.weight}});
  return {{"mix", m},           {"layers", c.layers},     {"d_model", c.d_model},
          {"heads", c.heads},   {"ctx", c.ctx},           {"batch", c.batch},
          {"steps", c.steps},   {"warmup", warmup},     {"lr", c.lr},
          {"min_lr", c.min_lr}, {"clip", c.clip},         {"beta1", c.adam.beta1},
          {"beta2", c.adam.beta2}, {"eps", c.adam.eps},   {"weight_decay", c.adam.weight_decay},
          {"seed", c.seed}};
}

// The tokenizer.json text: given, kept from the run being resumed, or trained on the mix.
std::string tokenizer_json(const TrainConfig& c, const std::vector<MixSource>& mix, bool quiet) {
  const std::string kept = (fs::path(c.out_dir) / "tokenizer.json").string();
  if (!c.tokenizer_path.empty()) return read_text(c.tokenizer_path);
  if (c.resume && fs::exists(kept)) return read_text(kept);
  if (!quiet) std::cerr << "training a byte-level BPE tokenizer (vocab " << c.vocab_size << ") on a sample of the mix\n";
  BpeTrainerOptions o;
  o.vocab_size = c.vocab_size;
  return train_byte_level_bpe(tokenizer_sample(mix, c.tokenizer_sample_bytes, c.seed), o).dump() + "\n";
}

std::string format_loss_line(int64_t step, int64_t steps, double loss, const std::vector<LanguageStream>& streams,
                             const std::vector<double>& nll, const std::vector<int64_t>& tok, double lr,
                             double norm, double tps, double eta) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "step %lld/%lld  loss %.4f  lr %.2e  |g| %.3f  %.0f tok/s  ETA %s  |",
                static_cast<long long>(step), static_cast<long long>(steps), loss, lr, norm, tps,
                format_duration(eta).c_str());
  std::string line = buf;
  for (size_t l = 0; l < streams.size(); ++l)
    if (tok[l] > 0) {
      std::snprintf(buf, sizeof buf, " %s %.3f", streams[l].lang.c_str(), nll[l] / static_cast<double>(tok[l]));
      line += buf;
    }
  return line;
}

}  // namespace

TrainSummary run_training(const TrainConfig& c) {
  for (auto [what, v] : {std::pair{"--steps", c.steps}, {"--batch", c.batch}, {"--ctx", c.ctx},
                         {"--log-every", c.log_every}})
    if (v <= 0) fail(what, "must be positive");
  if (c.ctx < 2) fail("--ctx", "must be at least 2");
  if (c.warmup < -1 || c.warmup > c.steps) fail("--warmup", "must be between 0 and --steps");
  const int64_t warmup = c.warmup >= 0 ? c.warmup : std::min<int64_t>(100, c.steps / 10);
  for (int64_t s : c.save_at)
    if (s < 0 || s > c.steps) fail("--save-at", "step " + std::to_string(s) + " is outside 0.." + std::to_string(c.steps));
  const std::vector<MixSource> mix = read_mix(c.mix_path);
  const nlohmann::json settings = settings_json(c, warmup, mix);
  const std::optional<int64_t> resume_from = last_saved_step(c.out_dir);
  if (resume_from && !c.resume)
    fail(c.out_dir, "already holds training checkpoints: pass --resume to continue, or choose a new --out");
  fs::create_directories(c.out_dir);

  const std::string tok_text = tokenizer_json(c, mix, c.quiet);
  const std::string tok_path = (fs::path(c.out_dir) / "tokenizer.json").string();
  if (!fs::exists(tok_path) || read_text(tok_path) != tok_text) write_file_atomic(tok_path, tok_text);
  const auto tok = load_tokenizer(tok_path);
  const std::optional<int32_t> eot = tok->token_to_id("<|endoftext|>");

  std::vector<LanguageStream> streams;
  for (const auto& s : mix) {
    streams.push_back(tokenize_source(s, *tok, eot));
    if (!c.quiet)
      std::cerr << "  " << s.lang << ": weight " << s.weight << ", " << streams.back().lines << " lines, "
                << streams.back().tokens.size() << " tokens\n";
  }

  Gpt2Shape shape;
  shape.n_vocab = static_cast<int64_t>(tok->vocab_size());
  shape.n_ctx = c.ctx;
  shape.n_embd = c.d_model;
  shape.n_head = c.heads;
  shape.n_layer = c.layers;
  shape.bos_id = shape.eos_id = eot;
  shape.validate("train");
  Gpt2Trainable model = Gpt2Trainable::init_random(shape, c.seed);
  std::vector<uint8_t> decay(static_cast<size_t>(model.parameter_count()), 0);
  std::vector<int64_t> sizes;
  for (const ParamInfo& p : model.params()) {  // decay matrices and embeddings, not biases / norms
    sizes.push_back(p.numel);
    if (p.shape.size() >= 2) std::fill_n(decay.begin() + p.offset, p.numel, 1);
  }
  AdamW opt(model.parameter_count(), decay, c.adam);
  int64_t first = 0;
  if (resume_from) {
    const nlohmann::json state = load_train_state(c.out_dir, *resume_from, model, opt);
    if (state.at("settings") != settings)
      fail(step_dir(c.out_dir, *resume_from), "was trained with other settings than these (see its trainer_state.json)");
    if (read_text((fs::path(step_dir(c.out_dir, *resume_from)) / "tokenizer.json").string()) != tok_text)
      fail(step_dir(c.out_dir, *resume_from), "was trained with another tokenizer");
    first = *resume_from;
    if (!c.quiet) std::cerr << "resuming from step " << first << "\n";
  }

  // The log keeps one JSON line per logged step; on resume, lines past the checkpoint go.
  const std::string log_path = (fs::path(c.out_dir) / "train_log.jsonl").string();
  std::string log_text;
  if (resume_from && fs::exists(log_path)) {
    std::istringstream in(read_text(log_path));
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && nlohmann::json::parse(line).at("step").get<int64_t>() <= first) log_text += line + "\n";
  }
  write_file_atomic(log_path, log_text);
  std::ofstream log(log_path, std::ios::app);
  std::ofstream dump;
  if (!c.dump_batches.empty()) dump.open(c.dump_batches, std::ios::app);

  auto should_save = [&](int64_t s) {
    return s == c.steps || std::find(c.save_at.begin(), c.save_at.end(), s) != c.save_at.end();
  };
  if (first == 0 && should_save(0)) save_train_state(c.out_dir, 0, model, opt, tok_text, settings);

  const LrSchedule sched{c.lr, c.min_lr, warmup, c.steps};
  const size_t L = streams.size();
  std::vector<double> nll(L, 0.0), seq_nll;
  std::vector<int64_t> ntok(L, 0);
  double interval_nll = 0;
  int64_t interval_tok = 0, tokens_done = 0;
  const auto t0 = std::chrono::steady_clock::now();
  TrainSummary sum;
  sum.first_step = first;
  sum.parameters = model.parameter_count();
  for (int64_t step = first; step < c.steps; ++step) {
    const TrainBatch b = sample_batch(streams, c.batch, c.ctx, c.seed, step);
    if (dump.is_open())
      for (size_t i = 0; i < b.seqs.size(); ++i)
        dump << nlohmann::json{{"step", step + 1}, {"lang", streams[b.lang[i]].lang}, {"ids", b.seqs[i]}}.dump() << "\n";
    model.zero_grad();
    const auto [total, n] = model.forward_backward(b.seqs, &seq_nll);
    for (size_t i = 0; i < b.seqs.size(); ++i) {
      nll[b.lang[i]] += seq_nll[i];
      ntok[b.lang[i]] += static_cast<int64_t>(b.seqs[i].size()) - 1;
      tokens_done += static_cast<int64_t>(b.seqs[i].size());
    }
    interval_nll += total;
    interval_tok += n;
    const double norm = clip_grad_norm(model.grad_data(), sizes, c.clip);
    const double lr = sched.at(step);
    opt.step(model.param_data(), model.grad_data(), lr);
    const int64_t done = step + 1;
    if (done % c.log_every == 0 || done == c.steps) {
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double tps = static_cast<double>(tokens_done) / std::max(secs, 1e-9);
      const double eta = secs / static_cast<double>(done - first) * static_cast<double>(c.steps - done);
      const double loss = interval_nll / static_cast<double>(interval_tok);
      nlohmann::json langs = nlohmann::json::object();
      for (size_t l = 0; l < L; ++l)
        if (ntok[l] > 0) langs[streams[l].lang] = {{"loss", nll[l] / static_cast<double>(ntok[l])}, {"tokens", ntok[l]}};
      log << nlohmann::json{{"step", done}, {"loss", loss}, {"lr", lr}, {"grad_norm", norm},
                            {"tokens_per_second", tps}, {"languages", langs}}.dump()
          << "\n" << std::flush;
      if (!c.quiet) std::cerr << format_loss_line(done, c.steps, loss, streams, nll, ntok, lr, norm, tps, eta) << "\n";
      sum.last_loss = loss;
      sum.tokens_per_second = tps;
      std::fill(nll.begin(), nll.end(), 0.0);
      std::fill(ntok.begin(), ntok.end(), 0);
      interval_nll = 0;
      interval_tok = 0;
    }
    if (should_save(done)) {
      save_train_state(c.out_dir, done, model, opt, tok_text, settings);
      if (!c.quiet) std::cerr << "saved " << step_dir(c.out_dir, done) << "\n";
    }
    sum.last_step = done;
    if (done == c.stop_after) break;
  }
  return sum;
}

}  // namespace lq::train
