// Reader for GGUF files (llama.cpp's model format, versions 2 and 3), one file or a split model
// ("name-00001-of-00003.gguf" and its siblings). Files are memory-mapped; tensors are typed
// views into the mapping. Everything is validated before use and every failure names the file
// and the problem in one line: magic and version, counts bounded by the bytes that could hold
// them, string and array lengths inside the file, nesting depth, value types, alignment, tensor
// dimensions and element counts, ggml types (unsupported ones refused by name), block
// divisibility, aligned offsets, data inside the file, no overlaps, no duplicate names or keys,
// and for split models the split.* keys of every shard.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mapped_file.h"
#include "core/tensor_view.h"
#include "formats/gguf_value.h"

namespace lq {

class GgufFile {
 public:
  // path: a .gguf file, or the first shard of a split model: then every shard is opened,
  // validated (split.no / split.count / split.tensors.count) and its tensors merged.
  explicit GgufFile(const std::string& path);
  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  size_t alignment() const { return alignment_; }
  std::vector<std::string> files() const;  // every shard, in order (just path() when not split)

  // The first file's metadata (other shards of a split model hold only their split.* keys).
  const std::map<std::string, GgufValue>& metadata() const { return metadata_; }
  const GgufValue* find(std::string_view key) const;

  // Typed getters. get_* fail(path, "metadata key 'k' is missing") or "... has type X,
  // expected Y"; find_* give nullopt when the key is absent (and fail on a wrong type).
  std::string get_string(std::string_view k) const;
  std::optional<std::string> find_string(std::string_view k) const;
  int64_t get_int(std::string_view k) const;  // any integer type that fits int64
  std::optional<int64_t> find_int(std::string_view k) const;
  double get_float(std::string_view k) const;  // FLOAT32/FLOAT64 or any integer type
  std::optional<double> find_float(std::string_view k) const;
  std::optional<bool> find_bool(std::string_view k) const;
  std::vector<std::string> get_strings(std::string_view k) const;  // array of STRING
  std::vector<float> get_floats(std::string_view k) const;         // array of any numeric type
  std::vector<int64_t> get_ints(std::string_view k) const;         // array of any integer type

  // Tensors: shape outermost-first like safetensors/PyTorch (the reverse of GGUF's ne[]), so a
  // token_embd with ne = [640, 262144] has shape {262144, 640}; dtype from the ggml type; data
  // points into the mapping; nbytes = dtype_bytes(dtype, numel).
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const TensorView* find_tensor(std::string_view name) const;
  const TensorView& tensor(std::string_view name) const;  // fails naming the file

 private:
  const GgufValue& require(std::string_view k) const;
  [[noreturn]] void wrong_type(std::string_view k, const GgufValue& v, std::string_view expected) const;

  std::string path_;
  uint32_t version_ = 0;
  size_t alignment_ = 32;
  std::vector<std::unique_ptr<MappedFile>> files_;
  std::map<std::string, GgufValue> metadata_;
  std::map<std::string, TensorView> tensors_;
};

}  // namespace lq
