// GgufWriter::add_tensor_lazy: a tensor whose bytes are made while the file is written gives
// the same file as one added with its bytes; bytes of the wrong size fail and leave no file.
#include <gtest/gtest.h>

#include <filesystem>

#include "formats/gguf.h"
#include "formats/gguf_writer.h"

namespace lq {
namespace {

std::string floats(std::initializer_list<float> v) {
  std::vector<float> f(v);
  return std::string(reinterpret_cast<const char*>(f.data()), f.size() * sizeof(float));
}

TEST(GgufWriterLazy, SameFileAsEagerTensors) {
  GgufWriter eager(64), lazy(64);
  for (auto* w : {&eager, &lazy}) w->set("general.architecture", GgufValue::string("llama"));
  eager.add_tensor("a", DType::F32, {3}, floats({1, 2, 3}));
  eager.add_tensor("b", DType::F32, {2, 1}, floats({4, 5}));
  int made = 0;
  lazy.add_tensor_lazy("a", DType::F32, {3}, [&] { ++made; return floats({1, 2, 3}); });
  lazy.add_tensor("b", DType::F32, {2, 1}, floats({4, 5}));
  EXPECT_EQ(made, 0);  // nothing made before writing
  EXPECT_EQ(lazy.bytes(), eager.bytes());
  const auto path = (std::filesystem::temp_directory_path() / "lq_lazy_test.gguf").string();
  lazy.write(path);
  EXPECT_EQ(made, 2);
  GgufFile f(path);
  EXPECT_EQ(f.tensor("a").nbytes, 12u);
  EXPECT_EQ(f.tensor("b").shape, (std::vector<int64_t>{2, 1}));
  std::filesystem::remove(path);
}

TEST(GgufWriterLazy, WrongSizeFailsWithoutAFile) {
  GgufWriter w;
  w.add_tensor_lazy("a", DType::F32, {4}, [] { return floats({1, 2, 3}); });
  const auto path = (std::filesystem::temp_directory_path() / "lq_lazy_bad.gguf").string();
  std::filesystem::remove(path);
  EXPECT_THROW(w.write(path), std::exception);
  EXPECT_FALSE(std::filesystem::exists(path));
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::temp_directory_path()))
    EXPECT_EQ(e.path().filename().string().rfind("lq_lazy_bad.gguf.tmp", 0), std::string::npos) << e.path();
}

}  // namespace
}  // namespace lq
