// A read-only memory mapping of a whole file. Weights are used in place from the mapping, so a
// model costs no more resident memory than the pages actually touched.
//
// A mapping is only as stable as the file under it: a checkpoint truncated while it is mapped
// raises SIGBUS on the first read past the new end, and one rewritten in place silently feeds
// other weights into the rest of the run. So every live mapping is registered: a SIGBUS inside
// one ends the process with one line naming the file (pending temporary outputs removed, exit
// 1), and check_mapped_files_unchanged() compares each mapped file's size and mtime with what
// they were when it was mapped, so long jobs can stop with one line between batches instead of
// mixing two checkpoints in one result.
#pragma once
#include <cstddef>
#include <cstdint>
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
  // Throws Error naming the file when its size or mtime differ from when it was mapped, or it
  // is gone.
  void check_unchanged() const;

 private:
  std::string path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
  int64_t mtime_ns_ = 0;
  uint64_t inode_ = 0;
};

// check_unchanged() on every live mapping of this process (cheap: one stat per file).
void check_mapped_files_unchanged();

// Reads a whole (small) file into a string; throws Error naming the path on failure.
std::string read_file(const std::string& path);

}  // namespace lq
