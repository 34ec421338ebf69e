// Deployed equals simulated? The same token windows scored twice: by langquant's simulation of
// a plan (the eval engine on the plan's weight set) and by llama.cpp on the GGUF that
// `langquant export` wrote for it (llama-cpp-python, in a Python child process that receives the
// token ids, so both sides score identical tokens whatever their tokenizers). Per language: mean
// negative log-likelihood per token and perplexity of each, and their relative difference.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lq::exporter {

struct VerifySpec {
  std::string plan, model, gguf, corpus;   // plan on `model` (the export's source) vs the file `gguf`
  std::vector<std::string> langs;          // empty: every language of the corpus
  int64_t n_ctx = 128;                     // window length (stream mode: the second half is scored)
  int sentences = 20;                      // first N sentences per language (0: all)
  int threads = 2;                         // llama.cpp's threads
  std::string python;                      // interpreter with llama_cpp; empty: $LQ_PYTHON, else python3
  std::string base = "int4", keep = "fp16";  // a preset's formats
};

struct VerifyLanguage {
  std::string lang;
  int64_t windows = 0, tokens = 0;
  double nll_langquant = 0, nll_llama = 0;  // mean per scored token, natural log
  double ppl_diff_percent() const;           // 100 * (ppl_llama / ppl_langquant - 1)
};

struct VerifyResult {
  std::string plan_line, python;
  std::vector<VerifyLanguage> languages;
  VerifyLanguage all;  // every language's tokens together
};

// Throws lq::Error with one line when the interpreter cannot import llama_cpp (naming it and
// the remedy), or when llama.cpp fails on the file.
VerifyResult verify_export(const VerifySpec& spec);

}  // namespace lq::exporter
