// The number formats the quantization simulator knows, parsed from short names such as
// "int4-g128" or "q4_0". format_help() is the one place the grammar is documented.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/dtype.h"

namespace lq::quant {

enum class Kind {
  Int,                                 // k-bit integer grid with a scale (and zero point)
  Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,        // llama.cpp / ggml block formats (32 weights a block)
  Q2_K, Q3_K, Q4_K, Q5_K, Q6_K,        // ggml K-quants (super-blocks of 256 weights)
  IQ4_NL, IQ4_XS,                      // ggml non-linear 4-bit grid (blocks of 32 / 256)
  F16, BF16, F32,                      // plain floating point (round to nearest even)
};

enum class Granularity { Tensor, Channel, Group };  // one scale per tensor / output row / g inputs

enum class ScaleMethod {
  AbsMax,       // clip at the largest magnitude (min and max for asymmetric)
  Percentile,   // clip at the p-th percentile of |w| (asym: of w, and 100-p for the minimum)
  Mse,          // best of 100 clip ratios 1.00, 0.99, ..., 0.01 of absmax (asym: of min and max) by squared error
  AciqLaplace,  // Banner et al. 2019: analytic clip for a fitted Laplace(b)
  AciqGauss,    // ... for a fitted Gaussian(sigma)
};

struct Format {
  Kind kind = Kind::F32;
  int bits = 32;      // Int: code bits k (2..8); others: nominal width (4, 5, 8, 16, 32)
  bool asym = false;  // Int only: zero point
  Granularity granularity = Granularity::Tensor;  // Int only
  int64_t group = 0;                              // Group only: g inputs share a scale
  ScaleMethod method = ScaleMethod::AbsMax;       // Int only
  double percentile = 0;                          // Percentile only: p in (0, 100]

  bool operator==(const Format&) const = default;
};

// Parses a format name; throws lq::Error listing the valid forms when it is not one.
Format parse_format(std::string_view name);

// The shortest name that parses back to the same Format (defaults left out), e.g.
// "int4-sym-g128" -> "int4-g128".
std::string canonical_name(const Format& f);

// Human-readable grammar of format names (for --help and the README).
const std::string& format_help();

bool is_ggml_block(Kind k);
// Weights per ggml block along a row: 32 (Q4_0..Q8_0, IQ4_NL) or 256 (Q2_K..Q6_K, IQ4_XS); a
// row of a ggml format must hold whole blocks. 1 for the other kinds.
int64_t ggml_block_weights(Kind k);
// The GGUF element type a ggml format writes (DType::Q4_K for Kind::Q4_K); nullopt otherwise.
std::optional<DType> ggml_dtype(Kind k);

// Storage of a [rows, cols] weight matrix in this format, in bytes (rounded up to a whole byte).
// Counted: the codes at their bit width, packed densely; for Int, one scale per tensor as F32,
// per channel or per group as F16 (as llama.cpp and GPTQ store them), and with -asym a zero
// point per scale as a k-bit integer (GPTQ packs zero points like codes); a trailing partial
// group counts as a whole group. ggml formats: their block bytes (cols must be a multiple
// of ggml_block_weights). Not counted: tensor headers, names, shapes, alignment padding.
uint64_t stored_bits(const Format& f, int64_t rows, int64_t cols);
uint64_t stored_bytes(const Format& f, int64_t rows, int64_t cols);
double bits_per_weight(const Format& f, int64_t rows, int64_t cols);  // stored_bits / (rows*cols)

}  // namespace lq::quant
