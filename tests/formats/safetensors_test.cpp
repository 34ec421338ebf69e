// The safetensors reader on small files written here byte by byte: typed views of valid files
// (single and sharded), and each validation error, which must name the file and the problem.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/tensor_view.h"
#include "formats/safetensors.h"

namespace lq {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("lq_st_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  static void write_raw(const std::string& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary);
    out << bytes;
  }
  static std::string length_prefix(uint64_t n) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return s;
  }
  // Writes <8-byte little-endian length><header text><data>.
  static void write_st(const std::string& p, const std::string& header, const std::string& data) {
    write_raw(p, length_prefix(header.size()) + header + data);
  }
  static void write_st(const std::string& p, const json& header, const std::string& data) {
    write_st(p, header.dump(), data);
  }

  fs::path dir_;
};

template <class T>
std::string bytes_of(std::initializer_list<T> values) {
  std::string s;
  for (T v : values) s.append(reinterpret_cast<const char*>(&v), sizeof v);
  return s;
}

// Runs f, which must throw lq::Error whose message contains every phrase.
void expect_error(const std::function<void()>& f, std::initializer_list<std::string> phrases) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    for (const auto& p : phrases) EXPECT_NE(msg.find(p), std::string::npos) << "'" << msg << "' lacks '" << p << "'";
  }
}

// A valid file: F32 [2,3], F16 [4], BF16 [2], I64 scalar [], an empty F32 [0,3] tensor and metadata.
struct Sample {
  json header;
  std::string data;
};
Sample sample() {
  Sample s;
  const std::string f32 = bytes_of<float>({1.f, 2.f, 3.f, -4.f, 0.5f, 1e-3f});                  // 24 bytes
  const std::string f16 = bytes_of<uint16_t>({0x3C00, 0xC000, 0x3800, 0x7BFF});                   // 8
  const std::string bf16 = bytes_of<uint16_t>({0x3F80, 0xC040});                                  // 4
  const std::string i64 = bytes_of<int64_t>({-7});                                                // 8
  s.data = f32 + f16 + bf16 + i64;
  s.header = {
      {"__metadata__", {{"format", "pt"}, {"note", "test"}}},
      {"a.f32", {{"dtype", "F32"}, {"shape", {2, 3}}, {"data_offsets", {0, 24}}}},
      {"b.f16", {{"dtype", "F16"}, {"shape", {4}}, {"data_offsets", {24, 32}}}},
      {"c.bf16", {{"dtype", "BF16"}, {"shape", {2}}, {"data_offsets", {32, 36}}}},
      {"d.i64", {{"dtype", "I64"}, {"shape", json::array()}, {"data_offsets", {36, 44}}}},
      {"e.empty", {{"dtype", "F32"}, {"shape", {0, 3}}, {"data_offsets", {44, 44}}}},
  };
  return s;
}

TEST_F(SafetensorsTest, ReadsViewsOfEveryDtype) {
  const Sample s = sample();
  write_st(path("m.safetensors"), s.header, s.data);
  SafetensorsFile f(path("m.safetensors"));
  EXPECT_EQ(f.path(), path("m.safetensors"));
  ASSERT_EQ(f.tensors().size(), 5u);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_EQ(f.metadata().at("note"), "test");

  const TensorView& a = f.tensors().at("a.f32");
  EXPECT_EQ(a.name, "a.f32");
  EXPECT_EQ(a.dtype, DType::F32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.nbytes, 24u);
  EXPECT_EQ(a.numel(), 6);
  EXPECT_EQ(a.shape_string(), "[2, 3]");
  EXPECT_EQ(std::memcmp(a.data, s.data.data(), 24), 0);
  EXPECT_EQ(to_f32(a), (std::vector<float>{1.f, 2.f, 3.f, -4.f, 0.5f, 1e-3f}));

  const TensorView& b = f.tensors().at("b.f16");
  EXPECT_EQ(b.dtype, DType::F16);
  EXPECT_EQ(b.nbytes, 8u);
  EXPECT_EQ(to_f32(b), (std::vector<float>{1.f, -2.f, 0.5f, 65504.f}));

  const TensorView& c = f.tensors().at("c.bf16");
  EXPECT_EQ(c.dtype, DType::BF16);
  EXPECT_EQ(to_f32(c), (std::vector<float>{1.f, -3.f}));

  const TensorView& d = f.tensors().at("d.i64");
  EXPECT_EQ(d.dtype, DType::I64);
  EXPECT_TRUE(d.shape.empty());
  EXPECT_EQ(d.numel(), 1);
  int64_t v;
  std::memcpy(&v, d.data, 8);
  EXPECT_EQ(v, -7);

  const TensorView& e = f.tensors().at("e.empty");
  EXPECT_EQ(e.nbytes, 0u);
  EXPECT_EQ(e.numel(), 0);
}

TEST_F(SafetensorsTest, AcceptsSpacePaddedHeaderAndUnorderedOffsets) {
  // Writers pad the header with spaces to align the data; offsets need not follow name order.
  json h = {{"z", {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {0, 4}}}},
            {"a", {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {4, 8}}}}};
  std::string text = h.dump();
  text.append(8 - (text.size() % 8), ' ');
  write_st(path("m.safetensors"), text, bytes_of<float>({7.f, 9.f}));
  SafetensorsFile f(path("m.safetensors"));
  EXPECT_EQ(to_f32(f.tensors().at("z")), std::vector<float>{7.f});
  EXPECT_EQ(to_f32(f.tensors().at("a")), std::vector<float>{9.f});
  EXPECT_TRUE(f.metadata().empty());
}

TEST_F(SafetensorsTest, EmptyHeaderObjectIsValid) {
  write_st(path("m.safetensors"), std::string("{}"), "");
  SafetensorsFile f(path("m.safetensors"));
  EXPECT_TRUE(f.tensors().empty());
}

// ---- errors of one file -------------------------------------------------------------------

TEST_F(SafetensorsTest, MissingFile) {
  expect_error([&] { SafetensorsFile f(path("nope.safetensors")); }, {"nope.safetensors", "cannot open"});
}

TEST_F(SafetensorsTest, FolderInsteadOfFile) {
  fs::create_directories(path("m.safetensors"));
  expect_error([&] { SafetensorsFile f(path("m.safetensors")); }, {"m.safetensors", "not a regular file"});
}

TEST_F(SafetensorsTest, ShorterThanLengthPrefix) {
  for (const std::string& bytes : {std::string(), std::string("\x05\x00\x00", 3)}) {
    write_raw(path("m.safetensors"), bytes);
    expect_error([&] { SafetensorsFile f(path("m.safetensors")); }, {"m.safetensors", "truncated", "8-byte"});
  }
}

TEST_F(SafetensorsTest, HeaderLengthOverLimit) {
  write_raw(path("m.safetensors"), length_prefix((100ull << 20) + 1) + "{}");
  expect_error([&] { SafetensorsFile f(path("m.safetensors")); }, {"m.safetensors", "100 MiB"});
  write_raw(path("m.safetensors"), length_prefix(~0ull) + "{}");
  expect_error([&] { SafetensorsFile f(path("m.safetensors")); }, {"m.safetensors", "100 MiB"});
}

TEST_F(SafetensorsTest, HeaderBeyondEndOfFile) {
  write_raw(path("m.safetensors"), length_prefix(1000) + "{\"a\":");
  expect_error([&] { SafetensorsFile f(path("m.safetensors")); },
               {"m.safetensors", "truncated: header claims 1000 bytes but the file has 5"});
}

TEST_F(SafetensorsTest, HeaderNotJson) {
  write_st(path("m.safetensors"), std::string("{\"a\": {\"dtype\": "), "");
  expect_error([&] { SafetensorsFile f(path("m.safetensors")); }, {"m.safetensors", "header is not valid JSON"});
}

TEST_F(SafetensorsTest, HeaderNotObject) {
  write_st(path("m.safetensors"), json::array({1, 2}), "");
  expect_error([&] { SafetensorsFile f(path("m.safetensors")); }, {"m.safetensors", "not a JSON object"});
}

TEST_F(SafetensorsTest, BadMetadata) {
  write_st(path("m.safetensors"), json{{"__metadata__", json::array()}}, "");
  expect_error([&] { SafetensorsFile f(path("m.safetensors")); }, {"m.safetensors", "__metadata__ is not an object"});
  write_st(path("m.safetensors"), json{{"__metadata__", {{"n", 3}}}}, "");
  expect_error([&] { SafetensorsFile f(path("m.safetensors")); }, {"m.safetensors", "'n' is not a string"});
}

// Each broken entry of tensor "t" (4 bytes of data) and the phrase its error must contain.
struct BadEntry {
  const char* what;
  json entry;
  std::string phrase;
};

TEST_F(SafetensorsTest, BadTensorEntries) {
  const std::vector<BadEntry> cases = {
      {"not an object", json::array({"F32"}), "entry is not an object"},
      {"no dtype", {{"shape", {1}}, {"data_offsets", {0, 4}}}, "'dtype'"},
      {"dtype not a string", {{"dtype", 4}, {"shape", {1}}, {"data_offsets", {0, 4}}}, "'dtype'"},
      {"unknown dtype", {{"dtype", "F8_E4M3"}, {"shape", {4}}, {"data_offsets", {0, 4}}}, "unknown dtype 'F8_E4M3'"},
      {"no shape", {{"dtype", "F32"}, {"data_offsets", {0, 4}}}, "'shape'"},
      {"shape not array", {{"dtype", "F32"}, {"shape", 1}, {"data_offsets", {0, 4}}}, "'shape'"},
      {"fractional dim", {{"dtype", "F32"}, {"shape", {1.5}}, {"data_offsets", {0, 4}}}, "integers"},
      {"negative dim", {{"dtype", "F32"}, {"shape", {-1}}, {"data_offsets", {0, 4}}}, "negative dimension"},
      {"overflowing shape",
       {{"dtype", "F32"}, {"shape", {int64_t{1} << 40, int64_t{1} << 40}}, {"data_offsets", {0, 4}}},
       "shape overflows"},
      {"no offsets", {{"dtype", "F32"}, {"shape", {1}}}, "data_offsets"},
      {"one offset", {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {0}}}, "data_offsets"},
      {"negative offset", {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {-4, 0}}}, "non-negative"},
      {"reversed offsets", {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {4, 0}}}, "begin > end"},
      {"past the end", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8}}}, "data section has 4"},
      {"size lies", {{"dtype", "F32"}, {"shape", {2, 2}}, {"data_offsets", {0, 4}}}, "holds 4 bytes but shape [2, 2] of F32 needs 16"},
      {"dtype size lies", {{"dtype", "F64"}, {"shape", {1}}, {"data_offsets", {0, 4}}}, "needs 8"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    write_st(path("m.safetensors"), json{{"t", c.entry}}, bytes_of<float>({1.f}));
    expect_error([&] { SafetensorsFile f(path("m.safetensors")); }, {"m.safetensors", "tensor 't'", c.phrase});
  }
}

TEST_F(SafetensorsTest, OverlappingTensors) {
  json h = {{"a", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8}}}},
            {"b", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {4, 12}}}}};
  write_st(path("m.safetensors"), h, bytes_of<float>({1.f, 2.f, 3.f}));
  expect_error([&] { SafetensorsFile f(path("m.safetensors")); }, {"m.safetensors", "overlap"});
}

TEST_F(SafetensorsTest, TruncatedData) {
  Sample s = sample();
  write_st(path("m.safetensors"), s.header, s.data.substr(0, s.data.size() - 3));
  expect_error([&] { SafetensorsFile f(path("m.safetensors")); }, {"m.safetensors", "truncated file"});
}

// ---- SafetensorsStore: checkpoint folders ------------------------------------------------------

TEST_F(SafetensorsTest, StoreSingleFile) {
  const Sample s = sample();
  write_st(path("model.safetensors"), s.header, s.data);
  SafetensorsStore st(dir_.string());
  EXPECT_EQ(st.path(), dir_.string());
  EXPECT_EQ(st.all().size(), 5u);
  ASSERT_NE(st.find("b.f16"), nullptr);
  EXPECT_EQ(st.get("b.f16").dtype, DType::F16);
  EXPECT_EQ(st.find("nope"), nullptr);
  expect_error([&] { st.get("nope"); }, {dir_.string(), "no tensor 'nope'"});
  EXPECT_EQ(st.files(), std::vector<std::string>{path("model.safetensors")});
}

void write_two_shards(const std::function<void(const std::string&, const json&, const std::string&)>& write,
                      const std::string& dir) {
  write(dir + "/model-00001-of-00002.safetensors",
        json{{"x", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8}}}}}, bytes_of<float>({1.f, 2.f}));
  write(dir + "/model-00002-of-00002.safetensors",
        json{{"y", {{"dtype", "BF16"}, {"shape", {1}}, {"data_offsets", {0, 2}}}},
             {"__metadata__", {{"format", "pt"}}}},
        bytes_of<uint16_t>({0x4040}));
}

TEST_F(SafetensorsTest, StoreSharded) {
  write_two_shards([](auto& p, auto& h, auto& d) { write_st(p, h, d); }, dir_.string());
  write_raw(path("model.safetensors.index.json"),
            json{{"metadata", {{"total_size", 10}}},
                 {"weight_map", {{"x", "model-00001-of-00002.safetensors"}, {"y", "model-00002-of-00002.safetensors"}}}}
                .dump());
  SafetensorsStore st(dir_.string());
  EXPECT_EQ(st.all().size(), 2u);
  EXPECT_EQ(to_f32(st.get("x")), (std::vector<float>{1.f, 2.f}));
  EXPECT_EQ(to_f32(st.get("y")), std::vector<float>{3.f});
  EXPECT_EQ(st.files().size(), 2u);
}

TEST_F(SafetensorsTest, StoreFolderErrors) {
  expect_error([&] { SafetensorsStore st(path("absent")); }, {"absent", "no such checkpoint folder"});
  write_raw(path("file"), "x");
  expect_error([&] { SafetensorsStore st(path("file")); }, {"file", "not a folder"});
  expect_error([&] { SafetensorsStore st(dir_.string()); }, {dir_.string(), "no model.safetensors"});
}

TEST_F(SafetensorsTest, StoreIndexErrors) {
  write_two_shards([](auto& p, auto& h, auto& d) { write_st(p, h, d); }, dir_.string());
  const std::string index = path("model.safetensors.index.json");
  const std::string shard1 = "model-00001-of-00002.safetensors";

  write_raw(index, "{ not json");  // read_json_file: the parser's own complaint
  expect_error([&] { SafetensorsStore st(dir_.string()); }, {"model.safetensors.index.json", "not valid JSON"});
  write_raw(index, "[]");
  expect_error([&] { SafetensorsStore st(dir_.string()); }, {"model.safetensors.index.json", "not a JSON object"});
  write_raw(index, R"({"metadata": {}})");
  expect_error([&] { SafetensorsStore st(dir_.string()); }, {"model.safetensors.index.json", "missing 'weight_map'"});
  write_raw(index, R"({"weight_map": {"x": 1}})");
  expect_error([&] { SafetensorsStore st(dir_.string()); }, {"model.safetensors.index.json", "'x' is not a file name"});
  write_raw(index, R"({"weight_map": {"x": "../model-00001-of-00002.safetensors"}})");
  expect_error([&] { SafetensorsStore st(dir_.string()); }, {"model.safetensors.index.json", "must not contain '/'"});
  write_raw(index, R"({"weight_map": {"x": "model-00003-of-00003.safetensors"}})");
  expect_error([&] { SafetensorsStore st(dir_.string()); }, {"model-00003-of-00003.safetensors", "cannot open"});
  write_raw(index, json{{"weight_map", {{"x", shard1}, {"z", shard1}}}}.dump());
  expect_error([&] { SafetensorsStore st(dir_.string()); }, {shard1, "tensor 'z' listed in the index is missing"});
  // A broken shard is named itself.
  write_raw(index, json{{"weight_map", {{"x", shard1}}}}.dump());
  write_raw(path(shard1), "\x01");
  expect_error([&] { SafetensorsStore st(dir_.string()); }, {shard1, "truncated"});
}

}  // namespace
}  // namespace lq
