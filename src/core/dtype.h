// Element types a checkpoint may store. Only F32, F16 and BF16 are computed with; the others
// are known by name so that a file holding them is rejected with a precise message.
#pragma once
#include <cstddef>
#include <optional>
#include <string_view>

namespace lq {

enum class DType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL };

std::string_view dtype_name(DType t);
std::optional<DType> dtype_from_name(std::string_view safetensors_name);
size_t dtype_size(DType t);
bool dtype_is_float_supported(DType t);  // F32, F16, BF16: the types weights may have

}  // namespace lq
