// A read-only memory mapping of a whole file. Weights are used in place from the mapping, so a
// model costs no more resident memory than the pages actually touched.
#pragma once
#include <cstddef>
#include <string>

namespace lq {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::byte* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

// Reads a whole (small) file into a string; throws Error naming the path on failure.
std::string read_file(const std::string& path);

}  // namespace lq
