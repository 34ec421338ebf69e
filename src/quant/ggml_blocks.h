// llama.cpp's block formats Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, byte-for-byte as ggml's reference
// quantizers (quantize_row_*_ref in ggml/src/ggml-quants.c) write them on x86-64. Decoding is
// core/ggml_dequantize's (the one reader of every ggml layout, also for GGUF files); the
// layouts the writers here must match, every block 32 consecutive weights, little-endian:
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
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/dtype.h"
#include "quant/format.h"

namespace lq::quant::ggml {

enum class BlockType { Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 };
// The block type of a ggml format kind (k must be one: see is_ggml_block).
BlockType block_type_of(Kind k);

inline constexpr int64_t kBlockWeights = 32;
DType dtype_of(BlockType t);  // the same layout as a core element type
size_t block_bytes(BlockType t);
const char* block_name(BlockType t);

// x[0..n) -> n/32 blocks. n must be a multiple of 32 (lq::Error otherwise).
std::vector<uint8_t> quantize_row(BlockType t, const float* x, int64_t n);
void quantize_row_into(BlockType t, const float* x, int64_t n, uint8_t* out);  // no checks
// n/32 blocks -> y[0..n) (core's dequantize_blocks).
void dequantize_row(BlockType t, const uint8_t* blocks, float* y, int64_t n);

inline std::vector<uint8_t> quantize_row_q4_0(const float* x, int64_t n) { return quantize_row(BlockType::Q4_0, x, n); }
inline std::vector<uint8_t> quantize_row_q4_1(const float* x, int64_t n) { return quantize_row(BlockType::Q4_1, x, n); }
inline std::vector<uint8_t> quantize_row_q5_0(const float* x, int64_t n) { return quantize_row(BlockType::Q5_0, x, n); }
inline std::vector<uint8_t> quantize_row_q5_1(const float* x, int64_t n) { return quantize_row(BlockType::Q5_1, x, n); }
inline std::vector<uint8_t> quantize_row_q8_0(const float* x, int64_t n) { return quantize_row(BlockType::Q8_0, x, n); }

}  // namespace lq::quant::ggml
