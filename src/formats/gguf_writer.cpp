#include "formats/gguf_writer.h"

#include <cstring>
#include <limits>

#include "core/atomic_file.h"
#include "core/error.h"

namespace lq {
namespace {

using VT = GgufValue::Type;

template <class T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);  // little-endian hosts only
}
void put_string(std::string& out, std::string_view s) {
  put<uint64_t>(out, s.size());
  out.append(s);
}

void put_value(std::string& out, const GgufValue& v) {
  switch (v.type()) {
    case VT::U8: put<uint8_t>(out, static_cast<uint8_t>(*v.as_uint())); break;
    case VT::I8: put<int8_t>(out, static_cast<int8_t>(*v.as_int())); break;
    case VT::U16: put<uint16_t>(out, static_cast<uint16_t>(*v.as_uint())); break;
    case VT::I16: put<int16_t>(out, static_cast<int16_t>(*v.as_int())); break;
    case VT::U32: put<uint32_t>(out, static_cast<uint32_t>(*v.as_uint())); break;
    case VT::I32: put<int32_t>(out, static_cast<int32_t>(*v.as_int())); break;
    case VT::U64: put<uint64_t>(out, *v.as_uint()); break;
    case VT::I64: put<int64_t>(out, *v.as_int()); break;
    case VT::F32: put<float>(out, static_cast<float>(*v.as_float())); break;
    case VT::F64: put<double>(out, *v.as_float()); break;
    case VT::BOOL: put<uint8_t>(out, *v.as_bool() ? 1 : 0); break;
    case VT::STRING: put_string(out, *v.as_string()); break;
    case VT::ARRAY:
      put<uint32_t>(out, static_cast<uint32_t>(v.element_type()));
      put<uint64_t>(out, v.size());
      for (const auto& item : v.items()) put_value(out, item);
      break;
  }
}

void pad_to(std::string& out, size_t alignment) {
  out.append((alignment - out.size() % alignment) % alignment, '\0');
}

}  // namespace

GgufWriter::GgufWriter(size_t alignment) : alignment_(alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0)
    fail("GGUF writer", "alignment " + std::to_string(alignment) + " is not a power of two");
}

void GgufWriter::set(std::string key, GgufValue value) {
  for (const auto& [k, v] : metadata_)
    if (k == key) fail("GGUF writer", "metadata key '" + key + "' set twice");
  metadata_.emplace_back(std::move(key), std::move(value));
}

std::pair<uint32_t, size_t> GgufWriter::check_tensor(const std::string& name, DType dtype,
                                                     const std::vector<int64_t>& shape) const {
  const std::string where = "GGUF writer: tensor '" + name + "'";
  for (const auto& t : tensors_)
    if (t.name == name) fail(where, "added twice");
  const auto id = ggml_type_id(dtype);
  if (!id) fail(where, "type " + std::string(dtype_name(dtype)) + " has no GGUF type id");
  if (shape.empty() || shape.size() > 4) fail(where, "GGUF tensors have 1 to 4 dimensions");
  int64_t numel = 1;
  for (int64_t d : shape) {
    if (d < 0) fail(where, "negative dimension");
    if (d != 0 && numel > std::numeric_limits<int64_t>::max() / d) fail(where, "shape overflows");
    numel *= d;
  }
  if (shape.back() % dtype_block_size(dtype) != 0)
    fail(where, "innermost dimension " + std::to_string(shape.back()) + " is not a multiple of the " +
                    std::string(dtype_name(dtype)) + " block size");
  return {*id, dtype_bytes(dtype, numel)};
}

void GgufWriter::add_tensor(std::string name, DType dtype, std::vector<int64_t> shape, std::string_view bytes) {
  const auto [id, nbytes] = check_tensor(name, dtype, shape);
  if (bytes.size() != nbytes)
    fail("GGUF writer: tensor '" + name + "'", "holds " + std::to_string(bytes.size()) +
                                                   " bytes, its shape and type need " + std::to_string(nbytes));
  tensors_.push_back({std::move(name), id, std::move(shape), std::string(bytes), nbytes, nullptr});
}

void GgufWriter::add_tensor_lazy(std::string name, DType dtype, std::vector<int64_t> shape, TensorBytes make) {
  const auto [id, nbytes] = check_tensor(name, dtype, shape);
  tensors_.push_back({std::move(name), id, std::move(shape), std::string(), nbytes, std::move(make)});
}

void GgufWriter::emit(const std::function<void(std::string_view)>& sink) const {
  std::vector<std::pair<std::string, GgufValue>> md = metadata_;
  bool has_alignment = false;
  for (const auto& kv : md) has_alignment = has_alignment || kv.first == "general.alignment";
  if (alignment_ != 32 && !has_alignment)
    md.emplace_back("general.alignment", GgufValue::u32(static_cast<uint32_t>(alignment_)));

  std::string out;
  out.append("GGUF", 4);
  put<uint32_t>(out, 3);
  put<uint64_t>(out, tensors_.size());
  put<uint64_t>(out, md.size());
  for (const auto& [k, v] : md) {
    put_string(out, k);
    put<uint32_t>(out, static_cast<uint32_t>(v.type()));
    put_value(out, v);
  }
  uint64_t offset = 0;  // relative to the data section
  for (const auto& t : tensors_) {
    put_string(out, t.name);
    put<uint32_t>(out, static_cast<uint32_t>(t.shape.size()));
    for (size_t d = t.shape.size(); d-- > 0;) put<uint64_t>(out, static_cast<uint64_t>(t.shape[d]));
    put<uint32_t>(out, t.ggml_type);
    put<uint64_t>(out, offset);
    offset += (t.nbytes + alignment_ - 1) / alignment_ * alignment_;
  }
  pad_to(out, alignment_);
  sink(out);
  const std::string zeros(alignment_, '\0');
  for (const auto& t : tensors_) {
    std::string made;
    if (t.make) {
      made = t.make();
      if (made.size() != t.nbytes)
        fail("GGUF writer: tensor '" + t.name + "'", "made " + std::to_string(made.size()) +
                                                         " bytes, its shape and type need " + std::to_string(t.nbytes));
    }
    sink(t.make ? std::string_view(made) : std::string_view(t.data));
    sink(std::string_view(zeros).substr(0, (alignment_ - t.nbytes % alignment_) % alignment_));
  }
}

std::string GgufWriter::bytes() const {
  std::string out;
  emit([&](std::string_view piece) { out.append(piece); });
  return out;
}

void GgufWriter::write(const std::string& path) const {
  AtomicFile f(path, /*binary=*/true);
  emit([&](std::string_view piece) {
    f.stream().write(piece.data(), static_cast<std::streamsize>(piece.size()));
    if (!f.stream()) fail(path, "write failed");
  });
  f.commit();
}

}  // namespace lq
