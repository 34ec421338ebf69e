// Writes GGUF version 3 files: metadata in the order given, tensor infos, then each tensor's
// bytes at the next multiple of the alignment. The file appears whole or not at all
// (core/atomic_file.h). Used by tests to build valid files (and then break them) and by tools
// that emit GGUF.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "formats/gguf_value.h"

namespace lq {

class GgufWriter {
 public:
  // alignment: a power of two; when it is not GGUF's default 32 and no 'general.alignment' key
  // is set, one is written (UINT32) so readers find the data.
  explicit GgufWriter(size_t alignment = 32);

  // Adds a metadata key (fails on a duplicate key). Keys are written in the order added.
  void set(std::string key, GgufValue value);
  // Adds a tensor: shape outermost-first (PyTorch order; GGUF's ne[] is the reverse), bytes
  // exactly dtype_bytes(dtype, numel). The bytes are copied.
  void add_tensor(std::string name, DType dtype, std::vector<int64_t> shape, std::string_view bytes);
  void add_tensor(std::string name, DType dtype, std::vector<int64_t> shape, const void* data, size_t nbytes) {
    add_tensor(std::move(name), dtype, std::move(shape), std::string_view(static_cast<const char*>(data), nbytes));
  }

  // Adds a tensor whose bytes make() returns only while the file is written, so that a writer
  // of a large model holds one tensor's data at a time (langquant export). The bytes must be
  // exactly dtype_bytes(dtype, numel), checked when they are made.
  using TensorBytes = std::function<std::string()>;
  void add_tensor_lazy(std::string name, DType dtype, std::vector<int64_t> shape, TensorBytes make);

  // The whole file as bytes (what write() stores).
  std::string bytes() const;
  void write(const std::string& path) const;

 private:
  struct Tensor {
    std::string name;
    uint32_t ggml_type;
    std::vector<int64_t> shape;
    std::string data;
    size_t nbytes = 0;
    TensorBytes make;  // set for lazy tensors (data then empty)
  };
  // Header, metadata, tensor infos and padding, then each tensor's bytes and padding, in
  // pieces handed to `sink` (bytes() collects them, write() streams them to the file).
  void emit(const std::function<void(std::string_view)>& sink) const;
  // Checks name, shape and type; returns the GGUF type id and the byte count.
  std::pair<uint32_t, size_t> check_tensor(const std::string& name, DType dtype, const std::vector<int64_t>& shape) const;
  size_t alignment_;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<Tensor> tensors_;
};

}  // namespace lq
