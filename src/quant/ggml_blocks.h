// llama.cpp's block formats, byte-for-byte as ggml writes them on x86-64 (built without FMA
// contraction): the 32-weight types Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 (their _ref writers are
// here) and, through kquants.h, the K-quants Q2_K..Q6_K (256-weight super-blocks) and the
// non-linear IQ4_NL (32) and IQ4_XS (256). Decoding is core/ggml_dequantize's (the one reader
// of every ggml layout, also for GGUF files). The 32-weight layouts, little-endian:
//   Q8_0 (34 B): f16 d | int8 q[32]                       w = q*d,        d = amax/127
//   Q4_0 (18 B): f16 d | u8 qs[16]                        w = (q-8)*d,    d = max/-8
//   Q4_1 (20 B): f16 d | f16 m | u8 qs[16]                w = q*d + m,    d = (max-min)/15
//   Q5_0 (22 B): f16 d | u32 qh | u8 qs[16]               w = (q-16)*d,   d = max/-16
//   Q5_1 (24 B): f16 d | f16 m | u32 qh | u8 qs[16]       w = q*d + m,    d = (max-min)/31
// qs[j] holds the low 4 bits of weight j in its low nibble and those of weight j+16 in its
// high nibble; bit j of qh is bit 4 of weight j (bits 16..31: weights 16..31). For Q4_0/Q5_0
// "max" is the signed value of largest magnitude (the first one on ties), so it maps to code
// 0 exactly and the other side gets one more level. Codes are computed from the f32 scale
// (x * (1/d), truncated after adding 8.5 / 16.5 / 0.5, or roundf for Q8_0), then d is stored
// as f16 (round to nearest even; overflow gives inf, as ggml does).
//
// Which ggml function a row goes through is ggml_quantize_chunk's choice (what llama-quantize
// calls): quantize_<type>(rows, quant_weights). Without weights that is quantize_row_<type>_ref
// for every type here except IQ4_NL (see kquants.h); with weights, every type but Q8_0 (which
// ignores them) runs an importance-weighted search instead.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/dtype.h"
#include "quant/format.h"

namespace lq::quant::ggml {

enum class BlockType { Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS };
// The block type of a ggml format kind (k must be one: see is_ggml_block).
BlockType block_type_of(Kind k);

DType dtype_of(BlockType t);  // the same layout as a core element type
int64_t block_weights(BlockType t);  // weights per block: 32, or 256 for Q2_K..Q6_K and IQ4_XS
size_t block_bytes(BlockType t);
size_t row_bytes(BlockType t, int64_t n);  // bytes of a row of n weights (n % block_weights == 0)
const char* block_name(BlockType t);       // "q4_k", "iq4_xs", ...

// One row x[0..n) -> n/block_weights(t) blocks, as ggml_quantize_chunk writes it (what
// llama-quantize does). quant_weights: null, or n importance weights for the row's columns
// (llama.cpp's imatrix entries for this tensor; every row of a matrix uses the same n).
// n must be a multiple of block_weights(t): lq::Error naming the type otherwise.
std::vector<uint8_t> quantize_row(BlockType t, const float* x, int64_t n, const float* quant_weights = nullptr);
void quantize_row_into(BlockType t, const float* x, int64_t n, uint8_t* out,
                       const float* quant_weights = nullptr);  // no checks
// ggml's quantize_row_<type>_ref (no weights). The same bytes as quantize_row_into without
// weights for every type except IQ4_NL, whose _ref skips the scale search.
void quantize_row_reference_into(BlockType t, const float* x, int64_t n, uint8_t* out);  // no checks
// Throws lq::Error unless n is a non-negative multiple of block_weights(t).
void check_row_length(BlockType t, int64_t n);
// n/block_weights(t) blocks -> y[0..n) (core's dequantize_blocks).
void dequantize_row(BlockType t, const uint8_t* blocks, float* y, int64_t n);

inline std::vector<uint8_t> quantize_row_q4_0(const float* x, int64_t n) { return quantize_row(BlockType::Q4_0, x, n); }
inline std::vector<uint8_t> quantize_row_q4_1(const float* x, int64_t n) { return quantize_row(BlockType::Q4_1, x, n); }
inline std::vector<uint8_t> quantize_row_q5_0(const float* x, int64_t n) { return quantize_row(BlockType::Q5_0, x, n); }
inline std::vector<uint8_t> quantize_row_q5_1(const float* x, int64_t n) { return quantize_row(BlockType::Q5_1, x, n); }
inline std::vector<uint8_t> quantize_row_q8_0(const float* x, int64_t n) { return quantize_row(BlockType::Q8_0, x, n); }

}  // namespace lq::quant::ggml
