// A mapped checkpoint changed under a running job: check_unchanged() names the file and what
// changed; a read past a truncated end ends the process with one line (the SIGBUS handler),
// not a silent signal death.
#include "core/mapped_file.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"

namespace lq {
namespace {

std::string temp_file(const std::string& name, size_t bytes) {
  const auto p = std::filesystem::temp_directory_path() / (name + "." + std::to_string(::getpid()));
  std::ofstream(p, std::ios::binary) << std::string(bytes, 'x');
  return p.string();
}

std::string error_of(const MappedFile& f) {
  try {
    f.check_unchanged();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(MappedFileTest, UnchangedFilePasses) {
  const std::string path = temp_file("mf_same", 10000);
  MappedFile f(path);
  EXPECT_EQ(error_of(f), "");
  EXPECT_NO_THROW(check_mapped_files_unchanged());
  std::filesystem::remove(path);
}

TEST(MappedFileTest, SizeChangeIsNamed) {
  const std::string path = temp_file("mf_size", 10000);
  MappedFile f(path);
  std::filesystem::resize_file(path, 20000);
  EXPECT_NE(error_of(f).find(path + ": changed on disk while langquant was reading it (size 10000 -> 20000 bytes)"),
            std::string::npos)
      << error_of(f);
  EXPECT_THROW(check_mapped_files_unchanged(), Error);
  std::filesystem::remove(path);
}

TEST(MappedFileTest, SameSizeRewriteIsCaughtByMtime) {
  const std::string path = temp_file("mf_mtime", 10000);
  MappedFile f(path);
  // Another mtime, same size and inode: a rewrite in place.
  struct timespec times[2] = {{0, UTIME_OMIT}, {12345, 678}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  EXPECT_NE(error_of(f).find("modified or replaced, same size"), std::string::npos) << error_of(f);
  std::filesystem::remove(path);
}

TEST(MappedFileTest, RemovedFileIsNamed) {
  const std::string path = temp_file("mf_gone", 100);
  MappedFile f(path);
  std::filesystem::remove(path);
  EXPECT_NE(error_of(f).find("was removed or renamed"), std::string::npos) << error_of(f);
}

TEST(MappedFileTest, ReadPastATruncatedEndIsOneLineNotASignal) {
  const std::string path = temp_file("mf_bus", 1 << 20);
  const std::string err = path + ".err";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    FILE* e = std::freopen(err.c_str(), "w", stderr);
    (void)e;
    MappedFile f(path);
    std::filesystem::resize_file(path, 4096);
    volatile char c = static_cast<char>(f.data()[(1 << 20) - 1]);  // beyond the new end: SIGBUS
    (void)c;
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  std::ifstream in(err);
  std::string line, rest;
  std::getline(in, line);
  EXPECT_FALSE(std::getline(in, rest)) << "more than one line";
  EXPECT_EQ(line.rfind("langquant: error: " + path + ": the file became shorter while it was being read", 0), 0u)
      << line;
  std::filesystem::remove(path);
  std::filesystem::remove(err);
}

}  // namespace
}  // namespace lq
