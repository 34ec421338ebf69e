#include "core/dtype.h"

#include <array>
#include <utility>

namespace lq {
namespace {
struct Entry {
  DType type;
  std::string_view name;
  size_t size;
};
constexpr std::array<Entry, 10> kTypes{{{DType::F32, "F32", 4},
                                        {DType::F16, "F16", 2},
                                        {DType::BF16, "BF16", 2},
                                        {DType::F64, "F64", 8},
                                        {DType::I64, "I64", 8},
                                        {DType::I32, "I32", 4},
                                        {DType::I16, "I16", 2},
                                        {DType::I8, "I8", 1},
                                        {DType::U8, "U8", 1},
                                        {DType::BOOL, "BOOL", 1}}};
const Entry& entry(DType t) { return kTypes[static_cast<size_t>(t)]; }
}  // namespace

std::string_view dtype_name(DType t) { return entry(t).name; }
size_t dtype_size(DType t) { return entry(t).size; }

std::optional<DType> dtype_from_name(std::string_view n) {
  for (const auto& e : kTypes)
    if (e.name == n) return e.type;
  return std::nullopt;
}

bool dtype_is_float_supported(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16;
}

}  // namespace lq
