// Collects llama.cpp's importance matrix (quant/imatrix.h) from langquant's own forward passes,
// one language at a time, mirroring llama-imatrix (tools/imatrix/imatrix.cpp):
//  - tokens: the language's sentences joined by "\n" (as a text file's lines), tokenized once
//    with BOS in front when the model has one; cut into consecutive chunks of n_ctx tokens (the
//    tail shorter than a chunk is dropped), and each chunk's first token replaced by BOS (when
//    the model has one) - exactly llama-imatrix's compute_imatrix. Each chunk is its own
//    sequence (llama-imatrix clears the KV cache per chunk).
//  - every token of every chunk counts (the first-half skip of llama.cpp applies to its
//    perplexity, not to the imatrix), BOS rows included.
//  - matrices: every linear whose name starts with "blk." (and "output.weight" only with
//    process_output, as --process-output). Matrices that read the same input (attn_q/k/v,
//    ffn_gate/ffn_up) each get their own, identical entry, as separate ggml mul_mats do.
//  - llama-imatrix ignores matrix products over fewer than 16 rows; a chunk has n_ctx >= 16
//    rows, so nothing here is ignored (n_ctx < 16 is refused: llama-imatrix would collect
//    nothing).
// Sums are accumulated in double (llama-imatrix: float), and stored as float.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/weight_set.h"
#include "quant/imatrix.h"

namespace lq::analysis {

struct ImatrixOptions {
  int64_t n_ctx = 512;          // llama-imatrix's default context (-c 512)
  int64_t batch_tokens = 2048;  // rows per forward (whole chunks; at least one chunk)
  bool process_output = false;  // also collect "output.weight"
};

// The chunks llama-imatrix would evaluate for `text_tokens` (no special tokens).
std::vector<std::vector<int32_t>> imatrix_chunks(const std::vector<int32_t>& text_tokens, std::optional<int32_t> bos,
                                                 int64_t n_ctx);

// A run continued from saved sums: chunks [0, first_chunk) are already summed in `start`, and
// first_chunk must be a batch boundary (a value after_batch reported with the same options), so
// the remaining batches, and so every sum, come out bit-identical to an uninterrupted run.
// after_batch is called after every batch with the chunks done so far and the sums so far.
struct ImatrixResume {
  const quant::Imatrix* start = nullptr;
  size_t first_chunk = 0;
  std::function<void(size_t chunks_done, const quant::Imatrix& sums)> after_batch;
};

// Runs every chunk through `weights` and returns their importance matrix; chunk_size = n_ctx,
// chunk_count = chunks.size(); datasets = {dataset}.
quant::Imatrix collect_imatrix(const Model& model, const WeightSet& weights,
                               const std::vector<std::vector<int32_t>>& chunks, const ImatrixOptions& opt,
                               const std::string& dataset, bool quiet, const ImatrixResume& resume = {});

}  // namespace lq::analysis

namespace lq::analysis {
// The BOS llama.cpp would put in front of each chunk: for a GGUF model, the bos token when
// tokenizer.ggml.add_bos_token is true (none when false); otherwise (no such key, or a Hugging
// Face folder) the model's BOS as langquant's sentence scoring uses it (HParams::bos_id).
std::optional<int32_t> imatrix_bos(const Model& model);
}  // namespace lq::analysis
