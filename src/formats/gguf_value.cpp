#include "formats/gguf_value.h"

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "core/error.h"

namespace lq {
namespace {
using T = GgufValue::Type;

bool is_unsigned(T t) { return t == T::U8 || t == T::U16 || t == T::U32 || t == T::U64; }
bool is_signed(T t) { return t == T::I8 || t == T::I16 || t == T::I32 || t == T::I64; }
}  // namespace

#define LQ_GGUF_SCALAR(fn, ctype, TYPE, field)     \
  GgufValue GgufValue::fn(ctype v) {               \
    GgufValue g;                                   \
    g.type_ = TYPE;                                \
    g.num_.field = v;                              \
    return g;                                      \
  }
LQ_GGUF_SCALAR(u8, uint8_t, T::U8, u)
LQ_GGUF_SCALAR(i8, int8_t, T::I8, i)
LQ_GGUF_SCALAR(u16, uint16_t, T::U16, u)
LQ_GGUF_SCALAR(i16, int16_t, T::I16, i)
LQ_GGUF_SCALAR(u32, uint32_t, T::U32, u)
LQ_GGUF_SCALAR(i32, int32_t, T::I32, i)
LQ_GGUF_SCALAR(u64, uint64_t, T::U64, u)
LQ_GGUF_SCALAR(i64, int64_t, T::I64, i)
LQ_GGUF_SCALAR(f32, float, T::F32, f)
LQ_GGUF_SCALAR(f64, double, T::F64, f)
LQ_GGUF_SCALAR(boolean, bool, T::BOOL, u)
#undef LQ_GGUF_SCALAR

GgufValue GgufValue::string(std::string v) {
  GgufValue g;
  g.type_ = T::STRING;
  g.str_ = std::move(v);
  return g;
}

GgufValue GgufValue::array(Type element, std::vector<GgufValue> items) {
  for (const auto& it : items)
    if (it.type_ != element)
      fail("", "GGUF array of " + std::string(type_name(element)) + " given an item of type " + it.type_name());
  GgufValue g;
  g.type_ = T::ARRAY;
  g.element_ = element;
  g.items_ = std::move(items);
  return g;
}

GgufValue GgufValue::strings(const std::vector<std::string>& v) {
  std::vector<GgufValue> items;
  items.reserve(v.size());
  for (const auto& s : v) items.push_back(string(s));
  return array(T::STRING, std::move(items));
}
GgufValue GgufValue::f32s(const std::vector<float>& v) {
  std::vector<GgufValue> items;
  items.reserve(v.size());
  for (float x : v) items.push_back(f32(x));
  return array(T::F32, std::move(items));
}
GgufValue GgufValue::i32s(const std::vector<int32_t>& v) {
  std::vector<GgufValue> items;
  items.reserve(v.size());
  for (int32_t x : v) items.push_back(i32(x));
  return array(T::I32, std::move(items));
}

const GgufValue& GgufValue::at(size_t i) const {
  if (i >= items_.size())
    throw std::out_of_range("GGUF " + type_name() + " of " + std::to_string(items_.size()) +
                            " items has no item " + std::to_string(i));
  return items_[i];
}

std::optional<int64_t> GgufValue::as_int() const {
  if (is_signed(type_)) return num_.i;
  if (is_unsigned(type_) && num_.u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return static_cast<int64_t>(num_.u);
  return std::nullopt;
}

std::optional<uint64_t> GgufValue::as_uint() const {
  if (is_unsigned(type_)) return num_.u;
  if (is_signed(type_) && num_.i >= 0) return static_cast<uint64_t>(num_.i);
  return std::nullopt;
}

std::optional<double> GgufValue::as_float() const {
  if (type_ == T::F32 || type_ == T::F64) return num_.f;
  if (is_signed(type_)) return static_cast<double>(num_.i);
  if (is_unsigned(type_)) return static_cast<double>(num_.u);
  return std::nullopt;
}

std::optional<bool> GgufValue::as_bool() const {
  if (type_ == T::BOOL) return num_.u != 0;
  return std::nullopt;
}

const std::string* GgufValue::as_string() const { return type_ == T::STRING ? &str_ : nullptr; }

std::string_view GgufValue::type_name(Type t) {
  static constexpr std::array<std::string_view, 13> kNames{
      "UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32",
      "BOOL",  "STRING", "ARRAY", "UINT64", "INT64", "FLOAT64"};
  const auto id = static_cast<uint32_t>(t);
  return id < kNames.size() ? kNames[id] : std::string_view("UNKNOWN");
}

std::string GgufValue::type_name() const {
  if (type_ != T::ARRAY) return std::string(type_name(type_));
  // Nested arrays name the first item's type; an empty array of arrays says just ARRAY.
  const std::string inner = element_ == T::ARRAY && !items_.empty() ? items_[0].type_name()
                                                                   : std::string(type_name(element_));
  return "ARRAY[" + inner + "]";
}

size_t GgufValue::scalar_size(Type t) {
  switch (t) {
    case T::U8: case T::I8: case T::BOOL: return 1;
    case T::U16: case T::I16: return 2;
    case T::U32: case T::I32: case T::F32: return 4;
    case T::U64: case T::I64: case T::F64: return 8;
    default: return 0;
  }
}

bool GgufValue::operator==(const GgufValue& o) const {
  if (type_ != o.type_) return false;
  switch (type_) {
    case T::STRING: return str_ == o.str_;
    case T::ARRAY: return element_ == o.element_ && items_ == o.items_;
    case T::F32: case T::F64:  // bitwise, so NaN equals itself and round trips compare equal
      return std::memcmp(&num_.f, &o.num_.f, sizeof(double)) == 0;
    default: return num_.u == o.num_.u;
  }
}

}  // namespace lq
