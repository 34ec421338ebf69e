#include "core/dtype.h"

#include <array>

namespace lq {
namespace {
struct Entry {
  DType type;
  std::string_view name;
  int64_t block_size;  // elements per block (1: plain type)
  size_t block_bytes;  // bytes per block
  int ggml_id;         // -1: not a ggml type
  bool safetensors;    // a safetensors dtype string
};
// Block layouts are ggml's (ggml-common.h): QK4_0 = 32, QK_K = 256, and so on.
constexpr std::array<Entry, 22> kTypes{{
    {DType::F32, "F32", 1, 4, 0, true},
    {DType::F16, "F16", 1, 2, 1, true},
    {DType::BF16, "BF16", 1, 2, 30, true},
    {DType::F64, "F64", 1, 8, 28, true},
    {DType::I64, "I64", 1, 8, 27, true},
    {DType::I32, "I32", 1, 4, 26, true},
    {DType::I16, "I16", 1, 2, 25, true},
    {DType::I8, "I8", 1, 1, 24, true},
    {DType::U8, "U8", 1, 1, -1, true},
    {DType::BOOL, "BOOL", 1, 1, -1, true},
    {DType::Q4_0, "Q4_0", 32, 18, 2, false},
    {DType::Q4_1, "Q4_1", 32, 20, 3, false},
    {DType::Q5_0, "Q5_0", 32, 22, 6, false},
    {DType::Q5_1, "Q5_1", 32, 24, 7, false},
    {DType::Q8_0, "Q8_0", 32, 34, 8, false},
    {DType::Q2_K, "Q2_K", 256, 84, 10, false},
    {DType::Q3_K, "Q3_K", 256, 110, 11, false},
    {DType::Q4_K, "Q4_K", 256, 144, 12, false},
    {DType::Q5_K, "Q5_K", 256, 176, 13, false},
    {DType::Q6_K, "Q6_K", 256, 210, 14, false},
    {DType::IQ4_NL, "IQ4_NL", 32, 18, 20, false},
    {DType::IQ4_XS, "IQ4_XS", 256, 136, 23, false},
}};
const Entry& entry(DType t) { return kTypes[static_cast<size_t>(t)]; }

// ggml_type names by id, for messages about types langquant does not read.
constexpr std::array<std::string_view, 40> kGgmlNames{
    "F32",     "F16",    "Q4_0",   "Q4_1",  "Q4_2",  "Q4_3",   "Q5_0",   "Q5_1",  "Q8_0",    "Q8_1",
    "Q2_K",    "Q3_K",   "Q4_K",   "Q5_K",  "Q6_K",  "Q8_K",   "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",
    "IQ4_NL",  "IQ3_S",  "IQ2_S",  "IQ4_XS", "I8",   "I16",    "I32",    "I64",   "F64",     "IQ1_M",
    "BF16",    "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "TQ1_0", "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8",
    "IQ4_NL_8_8", "MXFP4"};
}  // namespace

std::string_view dtype_name(DType t) { return entry(t).name; }
size_t dtype_size(DType t) { return entry(t).block_size == 1 ? entry(t).block_bytes : 0; }
bool dtype_is_block(DType t) { return entry(t).block_size > 1; }
int64_t dtype_block_size(DType t) { return entry(t).block_size; }
size_t dtype_block_bytes(DType t) { return entry(t).block_bytes; }
size_t dtype_bytes(DType t, int64_t n) {
  const Entry& e = entry(t);
  return static_cast<size_t>(n / e.block_size) * e.block_bytes;
}

std::optional<DType> dtype_from_name(std::string_view n) {
  for (const auto& e : kTypes)
    if (e.safetensors && e.name == n) return e.type;
  return std::nullopt;
}

bool dtype_is_float_supported(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16;
}
bool dtype_is_weight(DType t) { return dtype_is_float_supported(t) || dtype_is_block(t); }

std::optional<DType> dtype_from_ggml_id(uint32_t id) {
  for (const auto& e : kTypes)
    if (e.ggml_id == static_cast<int>(id) && (e.block_size > 1 || dtype_is_float_supported(e.type))) return e.type;
  return std::nullopt;
}

std::optional<uint32_t> ggml_type_id(DType t) {
  const int id = entry(t).ggml_id;
  return id < 0 ? std::nullopt : std::optional<uint32_t>(static_cast<uint32_t>(id));
}

std::string_view ggml_type_name(uint32_t id) { return id < kGgmlNames.size() ? kGgmlNames[id] : ""; }

}  // namespace lq
