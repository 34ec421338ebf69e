#include "analysis/imatrix_collect.h"

#include "core/mapped_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "formats/gguf.h"
#include "model/batch.h"
#include "model/model.h"
#include "model/workspace.h"

namespace lq::analysis {

std::vector<std::vector<int32_t>> imatrix_chunks(const std::vector<int32_t>& text_tokens, std::optional<int32_t> bos,
                                                 int64_t n_ctx) {
  if (n_ctx < 16) fail("--ctx", "imatrix chunks need at least 16 tokens (llama-imatrix ignores smaller batches)");
  std::vector<int32_t> all;
  if (bos) all.push_back(*bos);
  all.insert(all.end(), text_tokens.begin(), text_tokens.end());
  std::vector<std::vector<int32_t>> chunks;
  for (size_t start = 0; start + static_cast<size_t>(n_ctx) <= all.size(); start += static_cast<size_t>(n_ctx)) {
    chunks.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(start),
                        all.begin() + static_cast<std::ptrdiff_t>(start + static_cast<size_t>(n_ctx)));
    if (bos) chunks.back()[0] = *bos;
  }
  return chunks;
}

quant::Imatrix collect_imatrix(const Model& model, const WeightSet& weights,
                               const std::vector<std::vector<int32_t>>& chunks, const ImatrixOptions& opt,
                               const std::string& dataset, bool quiet, const ImatrixResume& resume) {
  if (resume.first_chunk > chunks.size() || (resume.first_chunk > 0 && !resume.start))
    fail(dataset, "resumed imatrix sums do not fit these chunks");
  quant::Imatrix m = resume.start ? *resume.start : quant::Imatrix{};
  m.datasets = {dataset};
  m.chunk_size = opt.n_ctx;
  m.chunk_count = static_cast<int64_t>(chunks.size());
  int64_t total = 0;
  for (size_t c = resume.first_chunk; c < chunks.size(); ++c) total += static_cast<int64_t>(chunks[c].size());
  Progress progress("imatrix " + dataset, total, "tokens", quiet);

  Workspace ws;
  auto observe = [&](const std::string& name, const float* x, int64_t rows, int64_t cols) {
    if (name.rfind("blk.", 0) != 0 && !(opt.process_output && name == "output")) return;
    quant::ImatrixEntry& e = m.entries[name + ".weight"];
    if (e.sum2.empty()) {
      e.cols = cols;
      e.sum2.assign(static_cast<size_t>(cols), 0.0);
      e.sum.assign(static_cast<size_t>(cols), 0.0);
      e.counts.assign(1, 0);
    } else if (e.cols != cols) {
      fail(model.dir(), name + " seen with " + std::to_string(cols) + " and " + std::to_string(e.cols) + " columns");
    }
    double* s2 = e.sum2.data();
    double* s1 = e.sum.data();
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < cols; ++j) {
      double a = 0, b = 0;
      for (int64_t r = 0; r < rows; ++r) {
        const double v = x[r * cols + j];
        a += v * v;
        b += v;
      }
      s2[j] += a;
      s1[j] += b;
    }
    e.counts[0] += rows;
  };
  ws.set_linear_observer(observe);
  // The output head's input is the final hidden state itself: observed without computing the
  // logits (a 262k-token vocabulary would need gigabytes of them).
  if (opt.process_output && model.find("output_proj.weight"))
    fail(model.dir(), "--process-output: this model's head projects first (output_proj); not supported");
  Batch batch;
  size_t next = resume.first_chunk;
  while (next < chunks.size()) {
    batch.clear();
    while (next < chunks.size() &&
           (batch.rows() == 0 || batch.rows() + static_cast<int64_t>(chunks[next].size()) <= opt.batch_tokens))
      batch.add_sequence(chunks[next++]);
    model.arch().forward(model, weights, batch, ws);
    check_mapped_files_unchanged();  // a checkpoint rewritten mid-run: stop, do not mix
    // A tied head multiplies by token_embd.weight, which llama-imatrix does not collect either.
    if (opt.process_output && model.find("output.weight")) observe("output", ws.hidden(), batch.rows(), model.hparams().n_embd);
    progress.advance(batch.rows());
    if (resume.after_batch) resume.after_batch(next, m);
  }
  return m;
}

}  // namespace lq::analysis

namespace lq::analysis {
std::optional<int32_t> imatrix_bos(const Model& model) {
  const auto bos = model.hparams().bos_id;
  const std::string& path = model.dir();
  if (!bos || path.size() < 5 || path.compare(path.size() - 5, 5, ".gguf") != 0) return bos;
  GgufFile f(path);
  const auto add = f.find_bool("tokenizer.ggml.add_bos_token");
  if (add && !*add) return std::nullopt;
  return bos;
}
}  // namespace lq::analysis
