// llama.cpp's importance matrix: for every weight matrix, the sum over calibration tokens of
// x_j^2 for each input column j (x = the activations entering the matrix), and how many tokens
// were summed. llama-quantize turns it into per-column weights sum2_j / count that its
// importance-weighted quantizers (ggml's quantize_* with quant_weights) use.
//
// File format: the GGUF one llama-imatrix writes (tools/imatrix/imatrix.cpp, save_imatrix):
//   metadata  general.type = "imatrix", imatrix.datasets = [STRING...],
//             imatrix.chunk_count (UINT32, chunks of imatrix.chunk_size tokens, UINT32)
//   tensors   per weight name (e.g. "blk.0.attn_q.weight"), in sorted name order:
//             "<name>.in_sum2" F32, ggml ne = [cols, n_mat]  (sum of x^2)
//             "<name>.counts"  F32, ggml ne = [1, n_mat]     (tokens summed)
//             "<name>.in_sum"  F32, ggml ne = [cols, n_mat]  (sum of x; newer llama-imatrix)
// n_mat is 1 for dense matrices (several only for stacked MoE experts, which langquant does not
// collect but reads).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lq::quant {

struct ImatrixEntry {
  int64_t cols = 0, n_mat = 1;
  std::vector<double> sum2;    // [n_mat * cols]
  std::vector<double> sum;     // [n_mat * cols], or empty (older files have no in_sum)
  std::vector<int64_t> counts; // [n_mat]
};

struct Imatrix {
  std::map<std::string, ImatrixEntry> entries;  // by weight name, "blk.0.attn_q.weight"
  std::vector<std::string> datasets;
  int64_t chunk_count = 0, chunk_size = 0;

  // The entry of a weight (with or without the ".weight" suffix), or nullptr.
  const ImatrixEntry* find(const std::string& name) const;
  // llama-quantize's per-column weights of matrix `mat`: sum2_j / count; a matrix that saw no
  // token gets all ones (as llama-quantize does for partial data). Empty when `name` is absent.
  std::vector<float> column_weights(const std::string& name, int64_t mat = 0) const;
};

Imatrix load_imatrix(const std::string& path);
void save_imatrix(const Imatrix& m, const std::string& path);

// Combines per-language matrices into one with the given weight per language (normalised to sum
// 1): each column's mean square is sum_l w_l * sum2_l / count_l, and so is its mean. Written
// with counts = the tokens of the languages with nonzero weight, sums = mean * counts, so
// llama-quantize sees exactly the weighted mean. Every input must hold the same tensors.
Imatrix mix_imatrices(const std::vector<std::pair<const Imatrix*, double>>& parts);

// Parses "en=0.5,ar=0.1" (weights >= 0, at least one > 0; languages not named get 0) or
// "balanced" (each language of `langs` the same weight: equal token weight) into a weight
// per language of `langs`, in that order.
std::vector<double> parse_mix(const std::string& spec, const std::vector<std::string>& langs);

// Where `langquant imatrix --out F` writes language `lang`: F with ".<lang>" before the
// extension (imatrix.gguf -> imatrix.en.gguf).
std::string language_imatrix_path(const std::string& out, const std::string& lang);

// A plan's imatrix reference: "FILE" (one imatrix file), or "F:MIX" with MIX as parse_mix
// takes it, mixing the per-language files `langquant imatrix --out F` wrote (for "balanced":
// every F.<lang>.<ext> beside F, languages in sorted order).
Imatrix load_imatrix_spec(const std::string& spec);

}  // namespace lq::quant
