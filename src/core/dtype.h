// Element types a checkpoint may store. Plain types (F32, F16, BF16 are computed with; the
// integer ones are known by name so that a file holding them is rejected precisely), and
// llama.cpp's block types: a block of `block_size` consecutive elements of one row stored in
// `block_bytes` bytes (scales and packed codes). Block types are only read from GGUF files and
// written by the quantizers; a row of one holds whole blocks.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace lq {

enum class DType {
  F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL,
  // ggml block types (GGUF), in no particular order; ggml_type_id() gives GGUF's numbering.
  Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS,
};

std::string_view dtype_name(DType t);
// safetensors dtype strings ("F32", "BF16", ...); block types are never safetensors dtypes.
std::optional<DType> dtype_from_name(std::string_view safetensors_name);
size_t dtype_size(DType t);             // bytes per element; 0 for block types
bool dtype_is_float_supported(DType t);  // F32, F16, BF16: plain float weights
bool dtype_is_block(DType t);            // a ggml block type
int64_t dtype_block_size(DType t);       // elements per block (1 for plain types)
size_t dtype_block_bytes(DType t);       // bytes per block (dtype_size for plain types)
// Bytes of n elements (n a multiple of the block size for block types; checked by callers).
size_t dtype_bytes(DType t, int64_t n);
bool dtype_is_weight(DType t);           // a float or block type: usable as a weight

// GGUF's numeric type ids (ggml_type). Unknown or unsupported ids give nullopt; the name of a
// known-but-unsupported id (e.g. "IQ2_XXS") for messages comes from ggml_type_name().
std::optional<DType> dtype_from_ggml_id(uint32_t id);
std::optional<uint32_t> ggml_type_id(DType t);
std::string_view ggml_type_name(uint32_t id);  // "" when the id is unknown

}  // namespace lq
