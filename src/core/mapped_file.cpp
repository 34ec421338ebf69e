#include "core/mapped_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"

namespace lq {
namespace {

int64_t mtime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// Live mappings, for check_mapped_files_unchanged().
std::mutex g_mu;
std::vector<const MappedFile*>& live() {
  static std::vector<const MappedFile*> v;
  return v;
}

// The same mappings as address ranges the SIGBUS handler can read without locks or
// allocation: a fixed table of slots, each claimed by storing its start address last.
struct Slot {
  std::atomic<const std::byte*> begin{nullptr};
  size_t size = 0;
  const char* path = nullptr;
};
constexpr size_t kSlots = 4096;  // more mapped files than that only lose the file name in the message
Slot g_slots[kSlots];

void write_all(const char* s) { (void)!::write(STDERR_FILENO, s, std::strlen(s)); }

void on_sigbus(int sig, siginfo_t* info, void*) {
  const auto* addr = static_cast<const std::byte*>(info->si_addr);
  const char* path = nullptr;
  for (auto& s : g_slots) {
    const std::byte* b = s.begin.load(std::memory_order_acquire);
    if (b && addr >= b && addr < b + s.size) path = s.path;
  }
  if (!path) {  // not ours: the default action (core dump) tells the truth
    ::signal(sig, SIG_DFL);
    ::raise(sig);
    return;
  }
  remove_pending_temp_files();
  write_all("langquant: error: ");
  write_all(path);
  write_all(": the file became shorter while it was being read (truncated or rewritten under a running job?): "
            "run again once it is complete and unchanging\n");
  ::_exit(1);
}

void install_sigbus_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGBUS, &sa, nullptr);
  });
}

void register_mapping(const MappedFile* f) {
  install_sigbus_handler();
  std::lock_guard<std::mutex> lock(g_mu);
  live().push_back(f);
  for (auto& s : g_slots)
    if (!s.begin.load(std::memory_order_relaxed)) {
      s.size = f->size();
      s.path = f->path().c_str();
      s.begin.store(f->data(), std::memory_order_release);
      break;
    }
}

void unregister_mapping(const MappedFile* f) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto& v = live();
  v.erase(std::remove(v.begin(), v.end(), f), v.end());
  for (auto& s : g_slots)
    if (s.begin.load(std::memory_order_relaxed) == f->data()) {
      s.begin.store(nullptr, std::memory_order_release);
      break;
    }
}

}  // namespace

MappedFile::MappedFile(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, "not a regular file");
  }
  size_ = static_cast<size_t>(st.st_size);
  mtime_ns_ = mtime_ns(st);
  inode_ = static_cast<uint64_t>(st.st_ino);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      fail(path, std::string("cannot map: ") + std::strerror(errno));
    }
    data_ = static_cast<const std::byte*>(p);
    register_mapping(this);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_) {
    unregister_mapping(this);
    ::munmap(const_cast<std::byte*>(data_), size_);
  }
}

void MappedFile::check_unchanged() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0)
    fail(path_, "was removed or renamed while langquant was reading it: run again once the checkpoint is in place");
  const auto now_size = static_cast<size_t>(st.st_size);
  const std::string why = "changed on disk while langquant was reading it (";
  const std::string tail = "): its results would mix two checkpoints; run again once the file is unchanging";
  if (now_size != size_)
    fail(path_, why + "size " + std::to_string(size_) + " -> " + std::to_string(now_size) + " bytes" + tail);
  if (mtime_ns(st) != mtime_ns_ || static_cast<uint64_t>(st.st_ino) != inode_)
    fail(path_, why + "modified or replaced, same size" + tail);
}

void check_mapped_files_unchanged() {
  std::lock_guard<std::mutex> lock(g_mu);  // held: no mapping goes away while it is checked
  for (const MappedFile* f : live()) f->check_unchanged();
}

std::string read_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail(path, "no such file");
  if (S_ISDIR(st.st_mode)) fail(path, "is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) fail(path, "read error");
  return ss.str();
}

}  // namespace lq
