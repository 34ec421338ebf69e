#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/mapped_file.h"

namespace lq {
namespace {
namespace fs = std::filesystem;

fs::path temp_dir() {
  auto d = fs::temp_directory_path() / ("lq_atomic_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

TEST(AtomicFile, AppearsOnlyOnCommit) {
  const auto path = (temp_dir() / "out.txt").string();
  fs::remove(path);
  {
    AtomicFile f(path);
    f.stream() << "hello";
    EXPECT_FALSE(fs::exists(path));
    f.commit();
  }
  EXPECT_EQ(read_file(path), "hello");
}

TEST(AtomicFile, AbandonedWriteLeavesOldFileAndNoTemp) {
  const auto dir = temp_dir();
  const auto path = (dir / "keep.txt").string();
  write_file_atomic(path, "old");
  try {
    AtomicFile f(path);
    f.stream() << "partial";
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(read_file(path), "old");
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
}

TEST(AtomicFile, UnwritableFolderIsAnError) {
  EXPECT_THROW(AtomicFile("/nonexistent-dir/x.json"), Error);
}

}  // namespace
}  // namespace lq
