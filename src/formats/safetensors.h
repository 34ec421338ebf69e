// Reader for the safetensors format (one file or a sharded checkpoint with
// model.safetensors.index.json). Files are memory-mapped; tensors are exposed as typed views
// into the mapping. Everything is validated before use, each failure named precisely:
// header length bound, well-formed JSON object, known dtype, shape x itemsize = byte size,
// offsets inside the data section, no overlaps, no truncation.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "core/tensor_view.h"
#include "formats/tensor_store.h"

namespace lq {

// One .safetensors file.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& path() const { return file_->path(); }

 private:
  std::unique_ptr<MappedFile> file_;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

// All tensors of a checkpoint folder: model.safetensors, or the shards listed by
// model.safetensors.index.json (every shard validated, every indexed name present).
class SafetensorsStore final : public TensorStore {
 public:
  explicit SafetensorsStore(const std::string& dir);
  const std::map<std::string, const TensorView*>& all() const override { return index_; }
  const std::string& path() const override { return dir_; }
  std::vector<std::string> files() const override;

 private:
  std::string dir_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const TensorView*> index_;
};

}  // namespace lq
