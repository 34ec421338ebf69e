// langquant imatrix --model M --corpus C [--langs en,ar] --out F [--mix en=0.5,ar=0.1|balanced]:
// llama.cpp's importance matrix (GGUF imatrix format, llama-quantize --imatrix reads it) per
// language, and optionally one mix of them. Files: F with the language inserted before the
// extension (imatrix.gguf -> imatrix.en.gguf, imatrix.ar.gguf); the mix is written to F itself.
#include <cstdio>
#include <iostream>

#include "analysis/imatrix_collect.h"
#include "cli/commands.h"
#include "core/error.h"
#include "eval/corpus.h"
#include "model/checkpoint.h"
#include "model/model.h"
#include "quant/imatrix.h"

namespace lq::cli {
namespace {

struct ImatrixArgs {
  std::string model, corpus, out, mix;
  std::vector<std::string> langs;
  int sentences = 0;
  analysis::ImatrixOptions opt;
  ComputeOptions compute;
};

void run_imatrix(const ImatrixArgs& a) {
  apply_threads(a.compute);
  auto model = Model::load(a.model);
  auto tok = open_tokenizer(*model);
  Corpus corpus = load_corpus(a.corpus, a.langs);
  const auto bos = analysis::imatrix_bos(*model);
  WeightSet weights(*model);
  std::vector<std::string> codes;
  std::vector<quant::Imatrix> per_lang;
  for (auto& l : corpus.languages) {
    if (a.sentences > 0 && static_cast<int>(l.sentences.size()) > a.sentences) l.sentences.resize(a.sentences);
    std::string joined;
    for (const auto& s : l.sentences) joined += (joined.empty() ? "" : "\n") + s;
    const auto chunks = analysis::imatrix_chunks(tok->encode(joined), bos, a.opt.n_ctx);
    if (chunks.empty())
      fail(a.corpus, "language '" + l.code + "' has fewer tokens than one chunk of " + std::to_string(a.opt.n_ctx) +
                         " (use --ctx)");
    per_lang.push_back(analysis::collect_imatrix(*model, weights, chunks, a.opt, a.corpus + "/" + l.code,
                                                 a.compute.quiet));
    codes.push_back(l.code);
    const std::string path = quant::language_imatrix_path(a.out, l.code);
    quant::save_imatrix(per_lang.back(), path);
    std::printf("%s: %zu chunks of %lld tokens, %zu matrices -> %s\n", l.code.c_str(), chunks.size(),
                static_cast<long long>(a.opt.n_ctx), per_lang.back().entries.size(), path.c_str());
  }
  if (a.mix.empty()) return;
  const auto w = quant::parse_mix(a.mix, codes);
  std::vector<std::pair<const quant::Imatrix*, double>> parts;
  for (size_t i = 0; i < per_lang.size(); ++i) parts.emplace_back(&per_lang[i], w[i]);
  quant::save_imatrix(quant::mix_imatrices(parts), a.out);
  std::printf("mix %s -> %s\n", a.mix.c_str(), a.out.c_str());
}

}  // namespace

void register_imatrix(CLI::App& app) {
  auto a = std::make_shared<ImatrixArgs>();
  auto* cmd = app.add_subcommand(
      "imatrix",
      "llama.cpp's importance matrix per language (sum of x^2 per input column of every blk.* matrix, and token "
      "counts; chunks of --ctx tokens as llama-imatrix), in llama-imatrix's GGUF format; --mix combines them");
  cmd->add_option("--model,-m", a->model, "Checkpoint: a Hugging Face folder or a GGUF file")->required();
  cmd->add_option("--corpus,-c", a->corpus, "Corpus folder (see 'langquant eval --help')")->required();
  cmd->add_option("--langs", a->langs, "Languages to run (default: all)")->delimiter(',');
  cmd->add_option("--out,-o", a->out,
                  "Output F: each language goes to F with the language before the extension (F=im.gguf: "
                  "im.en.gguf); the --mix to F itself")
      ->required();
  cmd->add_option("--mix", a->mix, "Also write one mix: lang=weight,... (normalised; unnamed languages 0) or "
                                   "'balanced' (every language the same token weight)");
  cmd->add_option("--ctx", a->opt.n_ctx, "Chunk length in tokens (llama-imatrix -c; default 512, at least 16)");
  cmd->add_option("--sentences", a->sentences, "First N sentences per language (0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--batch-tokens", a->opt.batch_tokens, "Rows per forward batch (default 2048)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--process-output", a->opt.process_output, "Also collect output.weight (untied heads only)");
  add_compute_options(*cmd, a->compute);
  cmd->callback([a] { run_imatrix(*a); });
}

}  // namespace lq::cli
