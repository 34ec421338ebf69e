#include "formats/safetensors_writer.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/half.h"

namespace lq {

void SafetensorsWriter::add(const std::string& name, DType dtype, std::vector<int64_t> shape,
                            std::vector<std::byte> bytes) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  if (static_cast<size_t>(n) * dtype_size(dtype) != bytes.size())
    fail(name, "byte size does not match shape and dtype");
  tensors_[name] = {dtype, std::move(shape), std::move(bytes)};
}

void SafetensorsWriter::add_f32(const std::string& name, DType dtype, std::vector<int64_t> shape,
                                const std::vector<float>& values) {
  std::vector<std::byte> bytes(values.size() * dtype_size(dtype));
  if (dtype == DType::F32) {
    std::memcpy(bytes.data(), values.data(), bytes.size());
  } else if (dtype == DType::F16 || dtype == DType::BF16) {
    auto* out = reinterpret_cast<uint16_t*>(bytes.data());
    for (size_t i = 0; i < values.size(); ++i)
      out[i] = dtype == DType::F16 ? f32_to_f16(values[i]) : f32_to_bf16(values[i]);
  } else {
    fail(name, "can only store floats as F32, F16 or BF16");
  }
  add(name, dtype, std::move(shape), std::move(bytes));
}

void SafetensorsWriter::write(const std::string& path) const {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata_.empty()) header["__metadata__"] = metadata_;
  uint64_t offset = 0;
  for (const auto& [name, e] : tensors_) {
    header[name] = {{"dtype", dtype_name(e.dtype)},
                    {"shape", e.shape},
                    {"data_offsets", {offset, offset + e.bytes.size()}}};
    offset += e.bytes.size();
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');  // pad so the data section starts 8-byte aligned
  const uint64_t len = h.size();
  AtomicFile f(path, true);
  f.stream().write(reinterpret_cast<const char*>(&len), 8);
  f.stream() << h;
  for (const auto& [name, e] : tensors_)
    f.stream().write(reinterpret_cast<const char*>(e.bytes.data()), static_cast<std::streamsize>(e.bytes.size()));
  f.commit();
}

}  // namespace lq
