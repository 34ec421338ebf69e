#include "jobs/fisher_job.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/error.h"
#include "eval/corpus.h"
#include "eval/input_identity.h"
#include "experiments/pass_memo.h"
#include "experiments/resumable_scoring.h"
#include "model/checkpoint.h"
#include "model/model_identity.h"

namespace lq::jobs {
namespace {

// A language's set in the progress file: "lang:<code>" holds its counts and tensor sizes, and
// "lang:<code>/<t>" the raw F32 bytes of tensor t (one row per tensor keeps each row far below
// SQLite's 1 GB limit).
void save_set(experiments::PassMemo& memo, const train::FisherSet& set) {
  for (size_t t = 0; t < set.values.size(); ++t)
    memo.put_bytes("lang:" + set.name + "/" + std::to_string(t),
                   std::string(reinterpret_cast<const char*>(set.values[t].data()), set.values[t].size() * sizeof(float)));
  // Written last: a set counts as finished only once every tensor is stored.
  memo.put_bytes("lang:" + set.name, nlohmann::json{{"sequences", set.sequences}, {"tokens", set.tokens},
                                                    {"tensors", set.values.size()}}.dump());
}

std::optional<train::FisherSet> load_set(experiments::PassMemo& memo, const std::string& code, const std::string& path) {
  const auto head = memo.find_bytes("lang:" + code);
  if (!head) return std::nullopt;
  train::FisherSet set;
  set.name = code;
  try {
    const auto j = nlohmann::json::parse(*head);
    set.sequences = j.at("sequences").get<int64_t>();
    set.tokens = j.at("tokens").get<int64_t>();
    set.values.resize(j.at("tensors").get<size_t>());
  } catch (const nlohmann::json::exception&) {
    fail(path, "damaged progress file (a language's counts are unreadable): delete it and run again without --resume");
  }
  for (size_t t = 0; t < set.values.size(); ++t) {
    const auto bytes = memo.find_bytes("lang:" + code + "/" + std::to_string(t));
    if (!bytes || bytes->size() % sizeof(float) != 0)
      fail(path, "damaged progress file (a tensor of '" + code + "' is missing): delete it and run again without --resume");
    set.values[t].resize(bytes->size() / sizeof(float));
    std::memcpy(set.values[t].data(), bytes->data(), bytes->size());
  }
  return set;
}

}  // namespace

FisherJobResult run_fisher(const FisherSpec& s, const JobProgress& progress) {
  if (s.out.size() < 12 || s.out.substr(s.out.size() - 12) != ".safetensors")
    fail(s.out, "--out must end in .safetensors");
  auto model = Model::load(s.model);
  if (model->arch().name != "gpt2")
    fail(s.model, "fisher needs gradients, which langquant computes for GPT-2 only (this model is " +
                      model->arch().name + ")");
  auto tok = open_tokenizer(*model);
  const auto groups = parse_groups(s.groups);
  std::vector<std::string> wanted = s.langs;
  if (!wanted.empty())  // group members are computed too
    for (const auto& [name, members] : groups)
      for (const auto& m : members)
        if (std::find(wanted.begin(), wanted.end(), m) == wanted.end()) wanted.push_back(m);
  const Corpus corpus = load_corpus(s.corpus, wanted);
  for (const auto& [name, members] : groups)
    for (const auto& m : members) {
      bool found = false;
      for (const auto& l : corpus.languages) found |= l.code == m;
      if (!found) fail(s.corpus, "group '" + name + "' names language '" + m + "' that the corpus does not have");
    }
  std::vector<train::FisherLanguage> langs;
  for (const auto& l : corpus.languages) langs.push_back({l.code, &l.sentences});

  const std::string progress_file = experiments::progress_path(s.out);
  experiments::PassMemo memo(progress_file, s.resume, "fisher",
                             {{"identity", {{"model", model_identity(*model)}, {"units", corpus_hash(corpus)}}},
                              {"max_sentences", s.max_sentences}});
  train::FisherResume resume;
  resume.finished = [&](const std::string& code) {
    auto set = load_set(memo, code, progress_file);
    if (set) progress.say(code + ": finished by an earlier run");
    return set;
  };
  resume.on_finished = [&](const train::FisherSet& set) { save_set(memo, set); };

  auto net = train::Gpt2Trainable::from_checkpoint(s.model);
  train::FisherOptions opt;
  opt.max_sequences = s.max_sentences;
  opt.quiet = progress.quiet;
  FisherJobResult r;
  r.fisher = train::compute_fisher(*model, net, *tok, langs, groups, opt, resume);
  r.safetensors = s.out;
  r.json = s.json.empty() ? s.out.substr(0, s.out.size() - 12) + ".json" : s.json;
  const nlohmann::json about = {
      {"model", s.model}, {"corpus", s.corpus}, {"max_sentences", s.max_sentences},
      {"definition",
       "F_l[i] = (1/N) sum_s (dL_s/dw_i)^2, L_s = mean NLL of sequence s ([BOS] + sentence); "
       "group:<g> = mean of member languages' F_l; max = max over languages of F_l[i] / mean_j F_l[j]"}};
  train::write_fisher(r.fisher, r.safetensors, r.json, about);
  memo.finish();
  return r;
}

std::string FisherJobResult::to_text() const {
  std::string out;
  for (const auto& set : fisher.sets)
    if (set.sequences > 0)
      out += set.name + ": " + std::to_string(set.sequences) + " sequences, " + std::to_string(set.tokens) +
             " predicted tokens\n";
  return out + "wrote " + safetensors + " and " + json + "\n";
}

}  // namespace lq::jobs
