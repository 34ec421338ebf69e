// The tensors of a GGUF file (or of every shard of a split GGUF) as a TensorStore, with the
// file's metadata at hand for the hyper-parameters and the tokenizer.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "formats/gguf.h"
#include "formats/tensor_store.h"

namespace lq {

class GgufStore final : public TensorStore {
 public:
  explicit GgufStore(const std::string& path);
  const std::map<std::string, const TensorView*>& all() const override { return index_; }
  const std::string& path() const override { return path_; }
  std::vector<std::string> files() const override { return file_->files(); }
  const GgufFile& gguf() const { return *file_; }

 private:
  std::string path_;
  std::unique_ptr<GgufFile> file_;
  std::map<std::string, const TensorView*> index_;
};

// True when path names a GGUF file (by its magic bytes, so a renamed file is recognised too).
bool is_gguf_file(const std::string& path);

}  // namespace lq
