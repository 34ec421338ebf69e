#include "formats/gguf_store.h"

#include <filesystem>
#include <fstream>

namespace lq {

GgufStore::GgufStore(const std::string& path) : path_(path), file_(std::make_unique<GgufFile>(path)) {
  for (const auto& [name, view] : file_->tensors()) index_[name] = &view;
}

bool is_gguf_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
}

}  // namespace lq
