#include "jobs/imatrix_job.h"

#include <cstring>

#include "core/error.h"
#include "core/schema_version.h"
#include "eval/corpus.h"
#include "eval/input_identity.h"
#include "experiments/pass_memo.h"
#include "experiments/resumable_scoring.h"
#include "model/checkpoint.h"
#include "model/model.h"
#include "model/model_identity.h"
#include "quant/imatrix.h"

namespace lq::jobs {
namespace {

// A language's running sums and how many chunks they hold, as bytes that read back bit for bit
// (CBOR keeps doubles as binary64).
std::string encode_sums(size_t chunks_done, const quant::Imatrix& m) {
  nlohmann::json entries = nlohmann::json::object();
  for (const auto& [name, e] : m.entries)
    entries[name] = {{"cols", e.cols}, {"n_mat", e.n_mat}, {"sum2", e.sum2}, {"sum", e.sum}, {"counts", e.counts}};
  const auto bytes = nlohmann::json::to_cbor(nlohmann::json{{"chunks_done", chunks_done}, {"entries", entries}});
  return std::string(bytes.begin(), bytes.end());
}

std::pair<size_t, quant::Imatrix> decode_sums(const std::string& bytes, const std::string& path) {
  try {
    const auto j = nlohmann::json::from_cbor(bytes);
    quant::Imatrix m;
    for (const auto& [name, e] : j.at("entries").items()) {
      quant::ImatrixEntry x;
      x.cols = e.at("cols").get<int64_t>();
      x.n_mat = e.at("n_mat").get<int64_t>();
      x.sum2 = e.at("sum2").get<std::vector<double>>();
      x.sum = e.at("sum").get<std::vector<double>>();
      x.counts = e.at("counts").get<std::vector<int64_t>>();
      m.entries.emplace(name, std::move(x));
    }
    return {j.at("chunks_done").get<size_t>(), std::move(m)};
  } catch (const nlohmann::json::exception&) {
    fail(path, "damaged progress file (imatrix sums unreadable): delete it and run again without --resume");
  }
}

}  // namespace

ImatrixResult run_imatrix(const ImatrixSpec& s, const JobProgress& progress) {
  auto model = Model::load(s.model);
  auto tok = open_tokenizer(*model);
  Corpus corpus = load_corpus(s.corpus, s.langs);
  for (auto& l : corpus.languages)
    if (s.sentences > 0 && static_cast<int>(l.sentences.size()) > s.sentences) l.sentences.resize(s.sentences);
  const auto bos = analysis::imatrix_bos(*model);
  const WeightSet weights(*model);

  const nlohmann::json setup = {
      {"identity", {{"model", model_identity(*model)}, {"units", corpus_hash(corpus)}}},
      {"n_ctx", s.options.n_ctx},
      {"batch_tokens", s.options.batch_tokens},
      {"process_output", s.options.process_output},
      {"bos", bos ? nlohmann::json(*bos) : nlohmann::json()}};

  // Every input is checked before the first forward (chunks of every language, the mix), so a
  // bad one costs nothing and leaves no progress behind.
  std::vector<std::string> codes;
  std::vector<std::vector<std::vector<int32_t>>> chunks_of;
  for (const auto& l : corpus.languages) {
    std::string joined;
    for (const auto& sentence : l.sentences) joined += (joined.empty() ? "" : "\n") + sentence;
    chunks_of.push_back(analysis::imatrix_chunks(tok->encode(joined), bos, s.options.n_ctx));
    if (chunks_of.back().empty())
      fail(s.corpus, "language '" + l.code + "' has fewer tokens than one chunk of " +
                         std::to_string(s.options.n_ctx) + " (use --ctx)");
    codes.push_back(l.code);
  }
  const std::vector<double> mix_weights = s.mix.empty() ? std::vector<double>{} : quant::parse_mix(s.mix, codes);
  experiments::PassMemo memo(experiments::progress_path(s.out), s.resume, "imatrix", setup);

  ImatrixResult r;
  r.chunk_tokens = s.options.n_ctx;
  std::vector<quant::Imatrix> per_lang;
  for (size_t li = 0; li < codes.size(); ++li) {
    const std::string& code = codes[li];
    const auto& chunks = chunks_of[li];
    const std::string key = "lang:" + code;
    analysis::ImatrixResume resume;
    std::pair<size_t, quant::Imatrix> saved;
    if (const auto bytes = memo.find_bytes(key)) {
      saved = decode_sums(*bytes, experiments::progress_path(s.out));
      resume.start = &saved.second;
      resume.first_chunk = saved.first;
    }
    resume.after_batch = [&](size_t done, const quant::Imatrix& sums) { memo.put_bytes(key, encode_sums(done, sums)); };
    if (resume.first_chunk > 0) progress.say(code + ": resuming after " + std::to_string(resume.first_chunk) + " chunks");
    per_lang.push_back(analysis::collect_imatrix(*model, weights, chunks, s.options, s.corpus + "/" + code,
                                                 progress.quiet, resume));
    const std::string path = quant::language_imatrix_path(s.out, code);
    quant::save_imatrix(per_lang.back(), path);
    r.languages.push_back({code, path, static_cast<int64_t>(chunks.size()),
                           static_cast<int64_t>(per_lang.back().entries.size())});
  }
  if (!s.mix.empty()) {
    std::vector<std::pair<const quant::Imatrix*, double>> parts;
    for (size_t i = 0; i < per_lang.size(); ++i) parts.emplace_back(&per_lang[i], mix_weights[i]);
    quant::save_imatrix(quant::mix_imatrices(parts), s.out);
    r.mix = s.mix;
    r.mix_path = s.out;
  }
  memo.finish();  // every output is written: the progress has served
  return r;
}

nlohmann::json ImatrixResult::to_json() const {
  nlohmann::json langs = nlohmann::json::array();
  for (const auto& l : languages)
    langs.push_back({{"lang", l.lang}, {"path", l.path}, {"chunks", l.chunks}, {"matrices", l.matrices}});
  nlohmann::json j = {{"chunk_tokens", chunk_tokens}, {"languages", langs}};
  if (!mix.empty()) j["mix"] = {{"spec", mix}, {"path", mix_path}};
  stamp_schema_version(j, kSchemaVersion);
  return j;
}

std::string ImatrixResult::to_text() const {
  std::string out;
  for (const auto& l : languages)
    out += l.lang + ": " + std::to_string(l.chunks) + " chunks of " + std::to_string(chunk_tokens) + " tokens, " +
           std::to_string(l.matrices) + " matrices -> " + l.path + "\n";
  if (!mix.empty()) out += "mix " + mix + " -> " + mix_path + "\n";
  return out;
}

}  // namespace lq::jobs
