#include "core/atomic_file.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>

#include "core/error.h"

namespace lq {
namespace {
std::mutex g_mu;
std::set<std::string>& pending() {
  static std::set<std::string> s;
  return s;
}

// A run killed with SIGKILL (or by the OOM killer, or a power cut) cannot remove its temporary
// files; the next run writing the same output removes those whose process is gone. A living
// process's file (another run, or an unrelated process that reused the pid) is left alone.
void remove_stale_temp_files(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  const std::string prefix = p.filename().string() + ".tmp.";
  std::error_code ec;
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string pid = name.substr(prefix.size());
    if (pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) continue;
    const auto n = static_cast<pid_t>(std::stol(pid));
    if (n > 0 && n != ::getpid() && ::kill(n, 0) != 0 && errno == ESRCH) fs::remove(it->path(), ec);
  }
}

}  // namespace

AtomicFile::AtomicFile(std::string path, bool binary)
    : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) fail(path_, "is a folder, expected a file name to write");
  remove_stale_temp_files(path_);
  out_.open(tmp_, binary ? std::ios::binary | std::ios::out : std::ios::out);
  if (!out_) fail(path_, std::string("cannot write: ") + std::strerror(errno));
  std::lock_guard<std::mutex> lock(g_mu);
  pending().insert(tmp_);
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  out_.close();
  std::remove(tmp_.c_str());
  std::lock_guard<std::mutex> lock(g_mu);
  pending().erase(tmp_);
}

void AtomicFile::commit() {
  out_.flush();
  if (!out_) fail(path_, "write failed (disk full?)");
  out_.close();  // the last buffered bytes are written here: its failure counts too
  if (!out_) fail(path_, "write failed (disk full?)");
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
    fail(path_, std::string("cannot rename temporary file: ") + std::strerror(errno));
  committed_ = true;
  std::lock_guard<std::mutex> lock(g_mu);
  pending().erase(tmp_);
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  AtomicFile f(path, true);
  f.stream() << contents;
  f.commit();
}

void remove_pending_temp_files() {
  // Called from a signal handler path that then _exits; best effort, no locking games.
  for (const auto& p : pending()) ::unlink(p.c_str());
}

}  // namespace lq
