// langquant fisher: per-language diagonal Fisher information of a GPT-2's weights (train/fisher.h).
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "model/checkpoint.h"
#include "eval/corpus.h"
#include "train/fisher.h"

namespace lq::cli {
namespace {

struct FisherArgs {
  std::string model, corpus, out, json;
  std::vector<std::string> langs, groups;
  int64_t max_sentences = 256;
  ComputeOptions compute;
};

void run_fisher(const FisherArgs& a) {
  apply_threads(a.compute);
  if (a.out.size() < 12 || a.out.substr(a.out.size() - 12) != ".safetensors")
    fail(a.out, "--out must end in .safetensors");
  auto model = Model::load(a.model);
  if (model->arch().name != "gpt2")
    fail(a.model, "fisher needs gradients, which langquant computes for GPT-2 only (this model is " +
                      model->arch().name + ")");
  auto tok = open_tokenizer(*model);
  const auto groups = parse_groups(a.groups);
  std::vector<std::string> wanted = a.langs;
  if (!wanted.empty())  // group members are computed too
    for (const auto& [name, members] : groups)
      for (const auto& m : members)
        if (std::find(wanted.begin(), wanted.end(), m) == wanted.end()) wanted.push_back(m);
  const Corpus corpus = load_corpus(a.corpus, wanted);
  for (const auto& [name, members] : groups)
    for (const auto& m : members) {
      bool found = false;
      for (const auto& l : corpus.languages) found |= l.code == m;
      if (!found) fail(a.corpus, "group '" + name + "' names language '" + m + "' that the corpus does not have");
    }
  std::vector<train::FisherLanguage> langs;
  for (const auto& l : corpus.languages) langs.push_back({l.code, &l.sentences});

  auto net = train::Gpt2Trainable::from_checkpoint(a.model);
  train::FisherOptions opt;
  opt.max_sequences = a.max_sentences;
  opt.quiet = a.compute.quiet;
  const auto result = train::compute_fisher(*model, net, *tok, langs, groups, opt);

  const std::string json = a.json.empty() ? a.out.substr(0, a.out.size() - 12) + ".json" : a.json;
  nlohmann::json about = {{"model", a.model}, {"corpus", a.corpus}, {"max_sentences", a.max_sentences},
                          {"definition",
                           "F_l[i] = (1/N) sum_s (dL_s/dw_i)^2, L_s = mean NLL of sequence s ([BOS] + sentence); "
                           "group:<g> = mean of member languages' F_l; max = max over languages of "
                           "F_l[i] / mean_j F_l[j]"}};
  train::write_fisher(result, a.out, json, about);
  if (!a.compute.quiet) {
    for (const auto& s : result.sets)
      if (s.sequences > 0)
        std::cerr << s.name << ": " << s.sequences << " sequences, " << s.tokens << " predicted tokens\n";
    std::cerr << "wrote " << a.out << " and " << json << "\n";
  }
}

}  // namespace

void register_fisher(CLI::App& app) {
  auto a = std::make_shared<FisherArgs>();
  auto* cmd = app.add_subcommand(
      "fisher",
      "Per-language diagonal Fisher information of every weight of a GPT-2 checkpoint:\n"
      "  F_l[i] = (1/N) * sum over sentences s of (dL_s / dw_i)^2\n"
      "where L_s is the mean next-token NLL of sentence s ([BOS] + its tokens, as `eval` scores it)\n"
      "and N the number of sentences of language l (the first --max-sentences of the corpus).\n"
      "Writes OUT.safetensors with one F32 tensor per language and canonical tensor, named\n"
      "'<lang>/<canonical>' (matrices in [out, in] order), plus 'group:<g>/...' (mean of the members)\n"
      "and 'max/...' (per weight, max over languages of F_l / mean of F_l over the model), and a\n"
      "JSON summary (per set: total, per tensor sum/mean/max/share, per layer). Use the file in a\n"
      "plan (keep fp16 top=1% by=fisher:OUT.safetensors:ar,he) or with `langquant overlap`.");
  cmd->add_option("--model,-m", a->model, "GPT-2 checkpoint folder")->required();
  cmd->add_option("--corpus,-c", a->corpus, "Corpus (folder of <lang>.txt, FLORES folder or .conllu)")->required();
  cmd->add_option("--langs,-l", a->langs, "Languages to compute (default: all of the corpus)")->delimiter(',');
  cmd->add_option("--group,-g", a->groups, "Group NAME=a,b,c (mean of the members' Fisher); repeatable");
  cmd->add_option("--max-sentences", a->max_sentences, "Sentences per language (0 = all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--out,-o", a->out, "Output .safetensors file (written atomically)")->required();
  cmd->add_option("--json", a->json, "Summary JSON (default: OUT with .json instead of .safetensors)");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] { run_fisher(*a); });
}

}  // namespace lq::cli
