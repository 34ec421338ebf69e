// Output files appear whole or not at all: data goes to "<path>.tmp.<pid>" in the same folder
// and is renamed over <path> only by commit(). An AtomicFile destroyed without commit (error,
// exception, Ctrl-C via the CLI's handler) removes its temporary file; one left by a killed
// process (SIGKILL) is removed by the next AtomicFile of the same path.
#pragma once
#include <fstream>
#include <string>

namespace lq {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path, bool binary = false);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() { return out_; }
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_, tmp_;
  std::ofstream out_;
  bool committed_ = false;
};

// Convenience: writes text atomically.
void write_file_atomic(const std::string& path, const std::string& contents);

// Removes every temporary file still open (used by the SIGINT handler before exiting).
void remove_pending_temp_files();

}  // namespace lq
