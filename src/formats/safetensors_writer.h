// Writes a .safetensors file (atomically): header with dtype/shape/data_offsets in name order,
// 8-byte aligned data section, as the reference implementation lays it out.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace lq {

class SafetensorsWriter {
 public:
  // Adds a tensor whose bytes are already in `dtype` (little-endian).
  void add(const std::string& name, DType dtype, std::vector<int64_t> shape, std::vector<std::byte> bytes);
  // Adds F32 values stored as dtype (F32, F16 or BF16, rounded to nearest even).
  void add_f32(const std::string& name, DType dtype, std::vector<int64_t> shape, const std::vector<float>& values);
  void set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }
  void write(const std::string& path) const;

 private:
  struct Entry {
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<std::byte> bytes;
  };
  std::map<std::string, Entry> tensors_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace lq
