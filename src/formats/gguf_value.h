// One GGUF metadata value: a scalar of any of GGUF's 13 value types, a string, or an array
// (whose elements share one type; arrays of arrays are allowed). The reader builds these from
// the file; the writer serializes them. Scalars keep their exact stored type so that a file
// written back is byte-identical, and typed getters convert only where no value can be lost.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lq {

class GgufValue {
 public:
  // GGUF's value type ids (gguf_type), as stored in the file.
  enum class Type : uint32_t {
    U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7,
    STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12,
  };

  GgufValue() = default;  // U8 0; only for containers

  // Scalars of an exact stored type.
  static GgufValue u8(uint8_t v);
  static GgufValue i8(int8_t v);
  static GgufValue u16(uint16_t v);
  static GgufValue i16(int16_t v);
  static GgufValue u32(uint32_t v);
  static GgufValue i32(int32_t v);
  static GgufValue u64(uint64_t v);
  static GgufValue i64(int64_t v);
  static GgufValue f32(float v);
  static GgufValue f64(double v);
  static GgufValue boolean(bool v);
  static GgufValue string(std::string v);
  // An array whose items all have type `element` (fails on a mismatch; nested arrays may differ
  // in their own element types, as GGUF allows).
  static GgufValue array(Type element, std::vector<GgufValue> items);
  // Shorthands for the common tokenizer arrays.
  static GgufValue strings(const std::vector<std::string>& v);
  static GgufValue f32s(const std::vector<float>& v);
  static GgufValue i32s(const std::vector<int32_t>& v);

  Type type() const { return type_; }
  Type element_type() const { return element_; }  // arrays only (U8 otherwise)
  bool is_array() const { return type_ == Type::ARRAY; }
  size_t size() const { return items_.size(); }  // array length (0 for scalars)
  const GgufValue& at(size_t i) const;            // array item; throws std::out_of_range
  const std::vector<GgufValue>& items() const { return items_; }

  // Integer types (not BOOL); nullopt for a U64 above INT64_MAX or any other type.
  std::optional<int64_t> as_int() const;
  // F32, F64, and integer types (as double).
  std::optional<double> as_float() const;
  std::optional<bool> as_bool() const;       // BOOL only
  const std::string* as_string() const;      // STRING only, else nullptr
  std::optional<uint64_t> as_uint() const;   // unsigned or non-negative integer types

  // "UINT32", "STRING", "ARRAY[FLOAT32]", "ARRAY[ARRAY[INT32]]", ...
  std::string type_name() const;
  static std::string_view type_name(Type t);  // "UINT8" ... "FLOAT64" (gguf-py's spellings)
  static bool is_known_type(uint32_t id) { return id <= 12; }
  static size_t scalar_size(Type t);          // bytes of a fixed-size scalar; 0 for STRING/ARRAY

  bool operator==(const GgufValue& o) const;

 private:
  Type type_ = Type::U8;
  Type element_ = Type::U8;
  union {
    uint64_t u;
    int64_t i;
    double f;
  } num_{0};  // U*/BOOL in u, I* in i, F32/F64 in f
  std::string str_;
  std::vector<GgufValue> items_;
};

}  // namespace lq
