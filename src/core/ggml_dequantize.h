// ggml's block types (the quantized tensors of GGUF files) expanded to float32, bit for bit as
// ggml's reference dequantizers (dequantize_row_* in ggml-quants.c) and gguf-py's
// gguf.quants.dequantize compute them. This is the one definition of every block layout in
// langquant; the quantizers (quant/ggml_blocks) decode through it.
//
// Every value is a product of an f16 scale (or a scale times a small integer, rounded to f32
// first) and an integer code, minus an offset where the type has one, each step rounded to
// f32 in ggml's order. ggml_dequantize.cpp is compiled without FMA contraction so that a
// product and a sum stay two roundings.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/dtype.h"

namespace lq {

// Expands the n elements of type t stored at src into dst[0..n). For a block type n must be a
// multiple of dtype_block_size(t) (lq::Error otherwise) and src holds n / block_size blocks of
// dtype_block_bytes(t) bytes each; src needs no alignment. F32, F16 and BF16 are accepted too
// (element by element); any other type is an lq::Error.
void dequantize_blocks(DType t, const std::byte* src, int64_t n, float* dst);

// The same expansion by the portable (scalar, compiler-vectorised) decoders only, bypassing the
// AVX2 kernels dequantize_blocks prefers; for tests that pin the two to each other.
void dequantize_blocks_portable(DType t, const std::byte* src, int64_t n, float* dst);

}  // namespace lq
