// A job's output files (JSON, Markdown, CSV, ...), opened before the long computation so that an
// unwritable path fails at once, and committed together at the end: all of them or none, every
// write checked before the first rename so that a full disk leaves no file.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/atomic_file.h"

namespace lq::jobs {

class OutputFiles {
 public:
  // Opens each non-empty path; fails when two of them name the same file.
  explicit OutputFiles(const std::vector<std::string>& paths);
  bool has(size_t i) const { return files_.at(i) != nullptr; }
  // Writes `text` to file i when it was opened.
  void write(size_t i, const std::string& text);
  void commit();

 private:
  std::vector<std::unique_ptr<AtomicFile>> files_;
};

// path with its extension replaced ("out.json" -> "out.md"); "" stays "".
std::string sibling_path(const std::string& path, const char* extension);

}  // namespace lq::jobs
