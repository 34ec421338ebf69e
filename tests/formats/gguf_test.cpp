// The GGUF reader and writer: round trips of every value type, nested arrays, tensors of plain
// and block types at alignments 32 and 64, split models; the writer's bytes against a file laid
// out by hand from the GGUF specification; and each validation error on files the writer built
// and the test then broke, whose message must name the file and the problem. A truncation and
// byte-flip sweep checks that no corrupt file crashes the reader.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"

namespace lq {
namespace {
namespace fs = std::filesystem;
using VT = GgufValue::Type;

std::string pattern_bytes(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed * 17 + 7) & 0xff);
  return s;
}

template <class T>
void put_at(std::string& bytes, size_t pos, T v) {
  ASSERT_LE(pos + sizeof v, bytes.size());
  std::memcpy(&bytes[pos], &v, sizeof v);
}
template <class T>
T get_at(const std::string& bytes, size_t pos) {
  T v;
  std::memcpy(&v, &bytes[pos], sizeof v);
  return v;
}

// Position just after the GGUF string (u64 length + bytes) holding `s`: for a metadata key
// the value type follows, for a tensor name n_dims follows.
size_t after(const std::string& bytes, const std::string& s) {
  std::string needle(8, '\0');
  const uint64_t n = s.size();
  std::memcpy(&needle[0], &n, 8);
  needle += s;
  const size_t at = bytes.find(needle);
  EXPECT_NE(at, std::string::npos) << s;
  return at + needle.size();
}

class GgufTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("lq_gguf_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static void write_raw(const std::string& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  std::string write_bytes(const std::string& bytes, const std::string& name = "m.gguf") {
    const std::string p = path(name);
    write_raw(p, bytes);
    return p;
  }

  // A small valid file: a few keys (one array) and three tensors.
  static GgufWriter small_writer(size_t alignment = 32) {
    GgufWriter w(alignment);
    w.set("general.architecture", GgufValue::string("llama"));
    w.set("llama.block_count", GgufValue::u32(2));
    w.set("tokenizer.ggml.tokens", GgufValue::strings({"<s>", "a", "b"}));
    w.add_tensor("token_embd.weight", DType::F32, {3, 4}, pattern_bytes(48, 1));
    w.add_tensor("blk.0.attn_q.weight", DType::Q4_0, {2, 32}, pattern_bytes(36, 2));
    w.add_tensor("output_norm.weight", DType::F32, {4}, pattern_bytes(16, 3));
    return w;
  }

  // Opening `bytes` must fail with a message naming the file and containing `problem`.
  void expect_error(const std::string& bytes, const std::string& problem) {
    const std::string p = write_bytes(bytes, "bad.gguf");
    expect_open_error(p, p, problem);
  }
  static void expect_open_error(const std::string& open, const std::string& named, const std::string& problem) {
    try {
      GgufFile f(open);
      ADD_FAILURE() << "no error opening " << open << " (expected: " << problem << ")";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(named), std::string::npos) << msg;
      EXPECT_NE(msg.find(problem), std::string::npos) << "expected '" << problem << "' in: " << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
    }
  }

  fs::path dir_;
};

// ---------------------------------------------------------------- round trips

TEST_F(GgufTest, EveryValueTypeRoundTrips) {
  GgufWriter w;
  std::vector<std::pair<std::string, GgufValue>> kv = {
      {"t.u8", GgufValue::u8(255)},
      {"t.i8", GgufValue::i8(-128)},
      {"t.u16", GgufValue::u16(65535)},
      {"t.i16", GgufValue::i16(-32768)},
      {"t.u32", GgufValue::u32(4294967295u)},
      {"t.i32", GgufValue::i32(std::numeric_limits<int32_t>::min())},
      {"t.u64", GgufValue::u64(std::numeric_limits<uint64_t>::max())},
      {"t.i64", GgufValue::i64(std::numeric_limits<int64_t>::min())},
      {"t.f32", GgufValue::f32(1e-6f)},
      {"t.f32neg0", GgufValue::f32(-0.0f)},
      {"t.f64", GgufValue::f64(3.141592653589793)},
      {"t.true", GgufValue::boolean(true)},
      {"t.false", GgufValue::boolean(false)},
      {"t.str", GgufValue::string("Grüße, 世界 \xF0\x9F\x98\x80")},
      {"t.empty", GgufValue::string("")},
      {"t.nul", GgufValue::string(std::string("a\0b", 3))},
      {"t.strings", GgufValue::strings({"x", "", "yz"})},
      {"t.f32s", GgufValue::f32s({0.5f, -2.25f, 1e30f})},
      {"t.i32s", GgufValue::i32s({-1, 0, 7})},
      {"t.u8s", GgufValue::array(VT::U8, {GgufValue::u8(1), GgufValue::u8(200)})},
      {"t.bools", GgufValue::array(VT::BOOL, {GgufValue::boolean(true), GgufValue::boolean(false)})},
      {"t.u64s", GgufValue::array(VT::U64, {GgufValue::u64(1ull << 40)})},
      {"t.f64s", GgufValue::array(VT::F64, {GgufValue::f64(-1e300)})},
      {"t.emptyarr", GgufValue::array(VT::I16, {})},
      {"t.nested", GgufValue::array(VT::ARRAY, {GgufValue::i32s({1, 2, 3}), GgufValue::i32s({}),
                                                GgufValue::strings({"deep"})})},
      {"t.nested3", GgufValue::array(VT::ARRAY, {GgufValue::array(VT::ARRAY, {GgufValue::f32s({9.0f})})})},
  };
  for (const auto& [k, v] : kv) w.set(k, v);
  const std::string p = path("values.gguf");
  w.write(p);

  GgufFile f(p);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.metadata().size(), kv.size());
  EXPECT_TRUE(f.tensors().empty());
  for (const auto& [k, v] : kv) {
    const GgufValue* got = f.find(k);
    ASSERT_NE(got, nullptr) << k;
    EXPECT_TRUE(*got == v) << k << ": " << got->type_name();
  }
  EXPECT_EQ(f.find("t.u32")->type_name(), "UINT32");
  EXPECT_EQ(f.find("t.strings")->type_name(), "ARRAY[STRING]");
  EXPECT_EQ(f.find("t.nested")->type_name(), "ARRAY[ARRAY[INT32]]");
  EXPECT_EQ(f.find("t.nested")->at(2).at(0).as_string() ? *f.find("t.nested")->at(2).at(0).as_string() : "", "deep");
  EXPECT_EQ(f.find("t.nested3")->at(0).at(0).at(0).as_float(), 9.0);
  EXPECT_THROW(f.find("t.nested")->at(3), std::out_of_range);

  // Typed getters convert only without loss.
  EXPECT_EQ(f.get_int("t.u32"), 4294967295ll);
  EXPECT_EQ(f.get_int("t.i64"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(f.get_float("t.i16"), -32768.0);
  EXPECT_EQ(f.get_float("t.f32"), static_cast<double>(1e-6f));
  EXPECT_TRUE(std::signbit(f.get_float("t.f32neg0")));
  EXPECT_EQ(f.get_string("t.nul"), std::string("a\0b", 3));
  EXPECT_EQ(f.find_bool("t.true"), true);
  EXPECT_EQ(f.find_bool("t.false"), false);
  EXPECT_EQ(f.find_int("absent"), std::nullopt);
  EXPECT_EQ(f.find_string("absent"), std::nullopt);
  EXPECT_EQ(f.find_float("absent"), std::nullopt);
  EXPECT_EQ(f.find_bool("absent"), std::nullopt);
  EXPECT_EQ(f.get_strings("t.strings"), (std::vector<std::string>{"x", "", "yz"}));
  EXPECT_EQ(f.get_floats("t.f32s"), (std::vector<float>{0.5f, -2.25f, 1e30f}));
  EXPECT_EQ(f.get_floats("t.i32s"), (std::vector<float>{-1.0f, 0.0f, 7.0f}));
  EXPECT_EQ(f.get_ints("t.u8s"), (std::vector<int64_t>{1, 200}));
  EXPECT_EQ(f.get_ints("t.emptyarr"), std::vector<int64_t>{});
}

TEST_F(GgufTest, GetterErrorsNameFileKeyAndTypes) {
  GgufWriter w;
  w.set("a.count", GgufValue::u32(3));
  w.set("a.name", GgufValue::string("x"));
  w.set("a.big", GgufValue::u64(std::numeric_limits<uint64_t>::max()));
  w.set("a.scores", GgufValue::f32s({1.0f}));
  const std::string p = path("getters.gguf");
  w.write(p);
  GgufFile f(p);
  auto expect = [&](auto&& call, const std::string& problem) {
    try {
      call();
      ADD_FAILURE() << "no error, expected " << problem;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
    }
  };
  expect([&] { f.get_string("a.missing"); }, "metadata key 'a.missing' is missing");
  expect([&] { f.get_int("a.missing"); }, "metadata key 'a.missing' is missing");
  expect([&] { f.get_string("a.count"); }, "metadata key 'a.count' has type UINT32, expected STRING");
  expect([&] { f.get_int("a.name"); }, "metadata key 'a.name' has type STRING, expected an integer");
  expect([&] { f.get_float("a.name"); }, "has type STRING, expected FLOAT32");
  expect([&] { f.find_bool("a.count"); }, "has type UINT32, expected BOOL");
  expect([&] { f.get_int("a.big"); }, "metadata key 'a.big' is 18446744073709551615, too large");
  expect([&] { f.get_strings("a.scores"); }, "has type ARRAY[FLOAT32], expected ARRAY[STRING]");
  expect([&] { f.get_ints("a.scores"); }, "has type ARRAY[FLOAT32], expected an array of integers");
  expect([&] { f.get_floats("a.name"); }, "has type STRING, expected ARRAY[FLOAT32]");
  expect([&] { f.tensor("nope"); }, "has no tensor 'nope'");
}

class GgufAlignmentTest : public GgufTest, public ::testing::WithParamInterface<size_t> {};

TEST_P(GgufAlignmentTest, TensorsRoundTrip) {
  const size_t alignment = GetParam();
  GgufWriter w(alignment);
  struct T {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    size_t nbytes;
  };
  const std::vector<T> ts = {
      {"token_embd.weight", DType::F32, {3, 5}, 60},          // 60: not a multiple of the alignment
      {"blk.0.attn_k.weight", DType::F16, {7}, 14},
      {"blk.0.attn_q.weight", DType::Q4_0, {2, 64}, 2 * 2 * 18},
      {"blk.0.ffn_up.weight", DType::Q4_K, {3, 256}, 3 * 144},
      {"blk.0.ffn_down.weight", DType::Q6_K, {1, 512}, 2 * 210},
      {"blk.0.attn_v.weight", DType::Q8_0, {2, 2, 32}, 4 * 34},
      {"blk.0.x.weight", DType::Q5_0, {1, 1, 1, 32}, 22},
      {"blk.0.y.weight", DType::Q4_1, {2, 32}, 40},
      {"blk.0.z.weight", DType::BF16, {2, 3}, 12},
      {"empty.weight", DType::F32, {0, 4}, 0},
  };
  for (size_t i = 0; i < ts.size(); ++i)
    w.add_tensor(ts[i].name, ts[i].dtype, ts[i].shape, pattern_bytes(ts[i].nbytes, static_cast<int>(i)));
  const std::string p = path("tensors.gguf");
  w.write(p);

  GgufFile f(p);
  EXPECT_EQ(f.alignment(), alignment);
  EXPECT_EQ(f.path(), p);
  EXPECT_EQ(f.files(), std::vector<std::string>{p});
  if (alignment != 32) EXPECT_EQ(f.get_int("general.alignment"), static_cast<int64_t>(alignment));
  else EXPECT_EQ(f.find("general.alignment"), nullptr);
  ASSERT_EQ(f.tensors().size(), ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    const TensorView& v = f.tensor(ts[i].name);
    EXPECT_EQ(v.name, ts[i].name);
    EXPECT_EQ(v.dtype, ts[i].dtype) << ts[i].name;
    EXPECT_EQ(v.shape, ts[i].shape) << ts[i].name;
    EXPECT_EQ(v.nbytes, ts[i].nbytes) << ts[i].name;
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(v.data), v.nbytes),
              pattern_bytes(ts[i].nbytes, static_cast<int>(i)))
        << ts[i].name;
    // The mapping starts on a page boundary, so file alignment shows in the address.
    if (v.nbytes) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data) % alignment, 0u) << ts[i].name;
    }
  }

  // GGUF stores ne[] innermost-first: shape {3, 5} is n_dims 2, ne = [5, 3], type F32 (0).
  std::ifstream in(p, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  const size_t at = after(bytes, "token_embd.weight");
  EXPECT_EQ(get_at<uint32_t>(bytes, at), 2u);
  EXPECT_EQ(get_at<uint64_t>(bytes, at + 4), 5u);
  EXPECT_EQ(get_at<uint64_t>(bytes, at + 12), 3u);
  EXPECT_EQ(get_at<uint32_t>(bytes, at + 20), 0u);
  EXPECT_EQ(bytes.size() % alignment, 0u);
}

INSTANTIATE_TEST_SUITE_P(Alignments, GgufAlignmentTest, ::testing::Values(32, 64));

// The writer's bytes, laid out by hand from the GGUF v3 specification.
TEST_F(GgufTest, WriterBytesMatchTheSpecification) {
  GgufWriter w;
  w.set("k", GgufValue::u16(0x1234));
  w.add_tensor("t", DType::F32, {2}, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  std::string e;
  auto u32 = [&](uint32_t v) { e.append(reinterpret_cast<const char*>(&v), 4); };
  auto u64 = [&](uint64_t v) { e.append(reinterpret_cast<const char*>(&v), 8); };
  e += "GGUF";
  u32(3);        // version
  u64(1);        // tensor_count
  u64(1);        // kv_count
  u64(1);        // key length
  e += "k";
  u32(2);        // UINT16
  e += "\x34\x12";
  u64(1);        // tensor name length
  e += "t";
  u32(1);        // n_dims
  u64(2);        // ne[0]
  u32(0);        // GGML_TYPE_F32
  u64(0);        // offset in the data section
  e.append((32 - e.size() % 32) % 32, '\0');
  e += std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
  e.append(24, '\0');
  EXPECT_EQ(w.bytes(), e);
}

TEST_F(GgufTest, Version2IsRead) {
  std::string b = small_writer().bytes();
  put_at<uint32_t>(b, 4, 2);
  GgufFile f(write_bytes(b));
  EXPECT_EQ(f.version(), 2u);
  EXPECT_EQ(f.tensors().size(), 3u);
  EXPECT_EQ(f.get_strings("tokenizer.ggml.tokens"), (std::vector<std::string>{"<s>", "a", "b"}));
}

TEST_F(GgufTest, EmptyFileWithoutKeysOrTensors) {
  GgufFile f(write_bytes(GgufWriter().bytes()));
  EXPECT_TRUE(f.metadata().empty());
  EXPECT_TRUE(f.tensors().empty());
}

TEST_F(GgufTest, WriterRefusesInconsistentTensorsAndDuplicates) {
  GgufWriter w;
  EXPECT_THROW(w.add_tensor("a", DType::F32, {2}, std::string(7, '\0')), Error);
  EXPECT_THROW(w.add_tensor("a", DType::Q4_0, {16}, std::string(9, '\0')), Error);  // 16 % 32
  EXPECT_THROW(w.add_tensor("a", DType::U8, {2}, std::string(2, '\0')), Error);     // no ggml id
  EXPECT_THROW(w.add_tensor("a", DType::F32, {1, 1, 1, 1, 1}, std::string(4, '\0')), Error);
  w.add_tensor("a", DType::F32, {1}, std::string(4, '\0'));
  EXPECT_THROW(w.add_tensor("a", DType::F32, {1}, std::string(4, '\0')), Error);
  w.set("k", GgufValue::u8(1));
  EXPECT_THROW(w.set("k", GgufValue::u8(2)), Error);
  EXPECT_THROW(GgufWriter(48), Error);
  EXPECT_THROW(GgufValue::array(VT::I32, {GgufValue::u32(1)}), Error);
}

// Writes a split model: shard i holds tensors[i]; split.* keys as gguf-py writes them.
void write_split(const std::string& prefix, const std::vector<std::vector<std::string>>& tensors) {
  const int n = static_cast<int>(tensors.size());
  int total = 0;
  for (const auto& t : tensors) total += static_cast<int>(t.size());
  for (int i = 0; i < n; ++i) {
    GgufWriter w;
    if (i == 0) w.set("general.architecture", GgufValue::string("llama"));
    w.set("split.no", GgufValue::u16(static_cast<uint16_t>(i)));
    w.set("split.count", GgufValue::u16(static_cast<uint16_t>(n)));
    w.set("split.tensors.count", GgufValue::i32(total));
    for (size_t k = 0; k < tensors[i].size(); ++k)
      w.add_tensor(tensors[i][k], DType::F32, {2, 2}, pattern_bytes(16, i * 10 + static_cast<int>(k)));
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "-%05d-of-%05d.gguf", i + 1, n);
    w.write(prefix + suffix);
  }
}

TEST_F(GgufTest, SplitModelMergesEveryShard) {
  const std::string prefix = path("model");
  write_split(prefix, {{"a", "b"}, {"c"}, {"d", "e", "f"}});
  GgufFile f(prefix + "-00001-of-00003.gguf");
  EXPECT_EQ(f.files(), (std::vector<std::string>{prefix + "-00001-of-00003.gguf", prefix + "-00002-of-00003.gguf",
                                                 prefix + "-00003-of-00003.gguf"}));
  ASSERT_EQ(f.tensors().size(), 6u);
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.get_int("split.count"), 3);
  const TensorView& d = f.tensor("d");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(d.data), d.nbytes), pattern_bytes(16, 20));
  const TensorView& c = f.tensor("c");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(c.data), c.nbytes), pattern_bytes(16, 10));
}

TEST_F(GgufTest, SingleShardSplitCountOneIsAPlainFile) {
  const std::string prefix = path("one");
  write_split(prefix, {{"a"}});
  GgufFile f(prefix + "-00001-of-00001.gguf");
  EXPECT_EQ(f.tensors().size(), 1u);
}

// ---------------------------------------------------------------- bad input

TEST_F(GgufTest, BadMagic) {
  std::string b = small_writer().bytes();
  b.replace(0, 4, "GGML");
  expect_error(b, "not a GGUF file: starts with 'GGML', expected 'GGUF'");
  b.replace(0, 4, std::string("\x00\x01\xff\x7f", 4));
  expect_error(b, "not a GGUF file: starts with bytes 00 01 ff 7f");
}

TEST_F(GgufTest, VersionOneAndUnknownVersions) {
  std::string b = small_writer().bytes();
  put_at<uint32_t>(b, 4, 1);
  expect_error(b, "GGUF version 1 is not supported");
  put_at<uint32_t>(b, 4, 4);
  expect_error(b, "unsupported GGUF version 4 (langquant reads versions 2 and 3)");
  put_at<uint32_t>(b, 4, 0x03000000u);
  expect_error(b, "big-endian GGUF file");
}

TEST_F(GgufTest, TruncatedHeader) {
  const std::string b = small_writer().bytes();
  expect_error(b.substr(0, 2), "truncated: 2 bytes, too short for a GGUF header");
  expect_error(b.substr(0, 10), "truncated in the header");
  expect_error(b.substr(0, 23), "truncated in the header");
}

TEST_F(GgufTest, TruncatedInMetadata) {
  GgufWriter w;
  w.set("k.long", GgufValue::string(std::string(200, 'x')));
  w.set("k.last", GgufValue::u32(7));
  const std::string b = w.bytes();
  expect_error(b.substr(0, after(b, "k.last") + 4 + 2), "truncated in metadata key 'k.last'");
  expect_error(b.substr(0, after(b, "k.last") + 2), "truncated in metadata key 'k.last'");
  expect_error(b.substr(0, after(b, "k.long") + 4 + 8 + 100), "metadata key 'k.long' claims a string of 200 bytes");
}

TEST_F(GgufTest, LyingTensorCount) {
  std::string b = small_writer().bytes();
  put_at<uint64_t>(b, 8, 1ull << 40);
  expect_error(b, "header claims 1099511627776 tensors, more than the");
  put_at<uint64_t>(b, 8, std::numeric_limits<uint64_t>::max());
  expect_error(b, "header claims 18446744073709551615 tensors");
  // A count too large by one runs out of bytes in the tensor infos, or trips the data checks.
  put_at<uint64_t>(b, 8, 4);
  expect_error(b, "tensor");
}

TEST_F(GgufTest, LyingKvCount) {
  std::string b = small_writer().bytes();
  put_at<uint64_t>(b, 16, 1ull << 50);
  expect_error(b, "header claims 1125899906842624 metadata entries");
  put_at<uint64_t>(b, 16, std::numeric_limits<uint64_t>::max());
  expect_error(b, "header claims 18446744073709551615 metadata entries");
}

TEST_F(GgufTest, HugeStringLength) {
  std::string b = small_writer().bytes();
  put_at<uint64_t>(b, after(b, "general.architecture") + 4, 1ull << 62);
  expect_error(b, "metadata key 'general.architecture' claims a string of 4611686018427387904 bytes");
  b = small_writer().bytes();
  put_at<uint64_t>(b, 24, std::numeric_limits<uint64_t>::max());  // the first key's length
  expect_error(b, "metadata entry 0 (its key) claims a string of 18446744073709551615 bytes");
  b = small_writer().bytes();
  put_at<uint64_t>(b, after(b, "token_embd.weight") - 17 - 8, 1ull << 40);  // a tensor name
  expect_error(b, "tensor info 0 (its name) claims a string of 1099511627776 bytes");
}

TEST_F(GgufTest, HugeArrayLength) {
  std::string b = small_writer().bytes();
  put_at<uint64_t>(b, after(b, "tokenizer.ggml.tokens") + 8, 1ull << 61);
  expect_error(b, "metadata key 'tokenizer.ggml.tokens' claims an array of 2305843009213693952 STRING items");
  GgufWriter w;
  w.set("k.nested", GgufValue::array(VT::ARRAY, {GgufValue::i32s({1})}));
  b = w.bytes();
  put_at<uint64_t>(b, after(b, "k.nested") + 8, std::numeric_limits<uint64_t>::max());
  expect_error(b, "claims an array of 18446744073709551615 ARRAY items");
}

TEST_F(GgufTest, UnknownValueTypeAndDeepNesting) {
  std::string b = small_writer().bytes();
  put_at<uint32_t>(b, after(b, "llama.block_count"), 13);
  expect_error(b, "metadata key 'llama.block_count' has unknown value type 13");
  b = small_writer().bytes();
  put_at<uint32_t>(b, after(b, "tokenizer.ggml.tokens") + 4, 99);
  expect_error(b, "metadata key 'tokenizer.ggml.tokens' is an array of unknown value type 99");
  GgufValue v = GgufValue::i32s({1});
  for (int i = 0; i < 8; ++i) v = GgufValue::array(VT::ARRAY, {v});
  GgufWriter w;
  w.set("k.deep", v);
  expect_error(w.bytes(), "metadata key 'k.deep' nests arrays more than 8 levels deep");
}

TEST_F(GgufTest, BadBoolAndEmptyKey) {
  GgufWriter w;
  w.set("k.flag", GgufValue::boolean(true));
  std::string b = w.bytes();
  b[after(b, "k.flag") + 4] = 2;
  expect_error(b, "metadata key 'k.flag' is a BOOL stored as 2");
  GgufWriter e;
  e.set("", GgufValue::u8(1));
  expect_error(e.bytes(), "metadata entry 0 has an empty key");
}

TEST_F(GgufTest, DuplicateKeys) {
  GgufWriter w;
  w.set("k.aa", GgufValue::u8(1));
  w.set("k.ab", GgufValue::u8(2));
  std::string b = w.bytes();
  b[after(b, "k.ab") - 1] = 'a';
  expect_error(b, "metadata key 'k.aa' appears twice");
}

TEST_F(GgufTest, BadAlignmentValue) {
  for (uint32_t a : {0u, 48u, 3u}) {
    GgufWriter w;
    w.set("general.alignment", GgufValue::u32(a));
    expect_error(w.bytes(), "general.alignment is " + std::to_string(a) + ", not a power of two");
  }
  GgufWriter w;
  w.set("general.alignment", GgufValue::string("32"));
  expect_error(w.bytes(), "metadata key 'general.alignment' has type STRING, expected UINT32");
}

TEST_F(GgufTest, ZeroOrTooManyDimensions) {
  std::string b = small_writer().bytes();
  put_at<uint32_t>(b, after(b, "output_norm.weight"), 0);
  expect_error(b, "tensor 'output_norm.weight' has 0 dimensions; GGUF allows 1 to 4");
  put_at<uint32_t>(b, after(b, "output_norm.weight"), 5);
  expect_error(b, "tensor 'output_norm.weight' has 5 dimensions; GGUF allows 1 to 4");
}

TEST_F(GgufTest, HugeDimensions) {
  std::string b = small_writer().bytes();
  const size_t at = after(b, "token_embd.weight");
  put_at<uint64_t>(b, at + 4, 1ull << 40);
  put_at<uint64_t>(b, at + 12, 1ull << 40);
  expect_error(b, "tensor 'token_embd.weight' has more elements than fit in 64 bits");
  put_at<uint64_t>(b, at + 12, 1);
  expect_error(b, "tensor 'token_embd.weight' has 1099511627776 F32 elements, more bytes than the whole file holds");
  put_at<uint64_t>(b, at + 4, 1ull << 63);
  expect_error(b, "tensor 'token_embd.weight' has dimension ne[0] = 9223372036854775808, too large");
}

TEST_F(GgufTest, TensorPastEndOfFile) {
  GgufWriter w;
  w.add_tensor("a", DType::F32, {8}, pattern_bytes(32, 1));
  w.add_tensor("b", DType::F32, {64}, pattern_bytes(256, 2));
  const std::string b = w.bytes();
  expect_error(b.substr(0, b.size() - 100),
               "tensor 'b' data [32, 288) of the data section ends past the end of the file");
  std::string far = b;
  put_at<uint64_t>(far, after(far, "a") + 4 + 8 + 4, 1ull << 50);
  expect_error(far, "tensor 'a' data [1125899906842624, ");
}

TEST_F(GgufTest, MisalignedTensorData) {
  std::string b = small_writer().bytes();
  const size_t off = after(b, "output_norm.weight") + 4 + 8 + 4;
  put_at<uint64_t>(b, off, get_at<uint64_t>(b, off) + 4);
  expect_error(b, "tensor 'output_norm.weight' data offset 132 is not a multiple of the alignment 32");
}

TEST_F(GgufTest, UnknownAndUnsupportedGgmlTypes) {
  std::string b = small_writer().bytes();
  const size_t type_at = after(b, "output_norm.weight") + 4 + 8;
  put_at<uint32_t>(b, type_at, 99);
  expect_error(b, "tensor 'output_norm.weight' has unknown ggml type id 99");
  put_at<uint32_t>(b, type_at, 16);
  expect_error(b, "tensor 'output_norm.weight' has type IQ2_XXS, which langquant does not read");
  put_at<uint32_t>(b, type_at, 26);
  expect_error(b, "tensor 'output_norm.weight' has type I32, which langquant does not read");
  put_at<uint32_t>(b, type_at, 4);  // Q4_2: removed from ggml long ago
  expect_error(b, "has type Q4_2, which langquant does not read");
}

TEST_F(GgufTest, RowNotDivisibleByBlock) {
  GgufWriter w;
  w.add_tensor("blk.0.w", DType::F32, {2, 48}, pattern_bytes(384, 1));
  std::string b = w.bytes();
  put_at<uint32_t>(b, after(b, "blk.0.w") + 4 + 16, 12);  // Q4_K
  expect_error(b, "tensor 'blk.0.w' has rows of 48 elements (ne[0]), not a multiple of Q4_K's block of 256");
  put_at<uint32_t>(b, after(b, "blk.0.w") + 4 + 16, 2);   // Q4_0: 48 % 32
  expect_error(b, "not a multiple of Q4_0's block of 32");
}

TEST_F(GgufTest, OverlappingTensors) {
  GgufWriter w;
  w.add_tensor("ta", DType::F32, {16}, pattern_bytes(64, 1));
  w.add_tensor("tb", DType::F32, {16}, pattern_bytes(64, 2));
  std::string b = w.bytes();
  put_at<uint64_t>(b, after(b, "tb") + 4 + 8 + 4, 32);
  expect_error(b, "tensors 'ta' and 'tb' overlap in the data section");
}

TEST_F(GgufTest, DuplicateTensorNames) {
  GgufWriter w;
  w.add_tensor("dup1", DType::F32, {1}, pattern_bytes(4, 1));
  w.add_tensor("dup2", DType::F32, {1}, pattern_bytes(4, 2));
  std::string b = w.bytes();
  b[after(b, "dup2") - 1] = '1';
  expect_error(b, "tensor 'dup1' appears twice");
}

TEST_F(GgufTest, SplitShardMissing) {
  const std::string prefix = path("model");
  write_split(prefix, {{"a"}, {"b"}, {"c"}});
  fs::remove(prefix + "-00002-of-00003.gguf");
  const std::string first = prefix + "-00001-of-00003.gguf";
  expect_open_error(first, first, "shard 2 of 3 (" + prefix + "-00002-of-00003.gguf) is missing");
}

TEST_F(GgufTest, SplitOpenedFromALaterShard) {
  const std::string prefix = path("model");
  write_split(prefix, {{"a"}, {"b"}});
  const std::string second = prefix + "-00002-of-00002.gguf";
  expect_open_error(second, second,
                    "is shard 2 of 2 of a split model; open the first shard, " + prefix + "-00001-of-00002.gguf");
}

// Rewrites shard i (1-based) of a 3-shard model with the given split.* values and one tensor.
void write_shard(const std::string& prefix, int i, int no, int count, int total, const std::string& tensor) {
  GgufWriter w;
  w.set("split.no", GgufValue::u16(static_cast<uint16_t>(no)));
  w.set("split.count", GgufValue::u16(static_cast<uint16_t>(count)));
  w.set("split.tensors.count", GgufValue::i32(total));
  w.add_tensor(tensor, DType::F32, {1}, pattern_bytes(4, i));
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "-%05d-of-00003.gguf", i);
  w.write(prefix + suffix);
}

TEST_F(GgufTest, SplitBadMetadata) {
  const std::string prefix = path("model");
  const std::string first = prefix + "-00001-of-00003.gguf";
  const std::string second = prefix + "-00002-of-00003.gguf";
  // Shard 2 claims to be shard 3.
  write_split(prefix, {{"a"}, {"b"}, {"c"}});
  write_shard(prefix, 2, /*no=*/2, 3, 3, "b");
  expect_open_error(first, second, "split.no 2 / split.count 3 do not match its name");
  // Shard 2 disagrees with the first about the tensor total.
  write_split(prefix, {{"a"}, {"b"}, {"c"}});
  write_shard(prefix, 2, 1, 3, /*total=*/5, "b");
  expect_open_error(first, second, "split.tensors.count differs from the first shard's");
  // Every shard agrees on a wrong total.
  for (int i = 1; i <= 3; ++i) write_shard(prefix, i, i - 1, 3, 4, std::string(1, static_cast<char>('a' + i)));
  expect_open_error(first, first, "split.tensors.count is 4 but the 3 shard(s) hold 3 tensors");
  // The same tensor in two shards.
  write_split(prefix, {{"a"}, {"b"}, {"b"}});
  expect_open_error(first, prefix + "-00003-of-00003.gguf", "tensor 'b' is also in an earlier shard");
  // A first shard renamed so that the others cannot be found; split.no out of range.
  write_split(prefix, {{"a"}, {"b"}, {"c"}});
  std::ifstream in(first, std::ios::binary);
  const std::string b((std::istreambuf_iterator<char>(in)), {});
  const std::string renamed = path("renamed.gguf");
  write_raw(renamed, b);
  expect_open_error(renamed, renamed, "split.count is 3 but the file name does not end in -00001-of-00003.gguf");
  std::string bad = b;
  put_at<uint16_t>(bad, after(bad, "split.no") + 4, 7);
  write_raw(renamed, bad);
  expect_open_error(renamed, renamed, "split.no is 7 but split.count is 3");
  // A shard without split metadata.
  write_split(prefix, {{"a"}, {"b"}, {"c"}});
  GgufWriter plain;
  plain.add_tensor("b", DType::F32, {1}, pattern_bytes(4, 0));
  plain.write(second);
  expect_open_error(first, second, "has no split.no / split.count metadata but is named as shard 2");
}

TEST_F(GgufTest, MissingFileNamesThePath) {
  const std::string p = path("absent.gguf");
  expect_open_error(p, p, "cannot open");
}

// Every truncation and many single-byte corruptions of a valid file either load or fail with
// lq::Error: never a crash, never another exception (run under ASan/UBSan for full effect).
TEST_F(GgufTest, CorruptionNeverCrashes) {
  GgufWriter w = small_writer();
  w.set("k.nested", GgufValue::array(VT::ARRAY, {GgufValue::strings({"x", "yy"}), GgufValue::i32s({3})}));
  w.set("k.f", GgufValue::f64(2.5));
  const std::string good = w.bytes();
  const std::string p = path("fuzz.gguf");
  auto try_open = [&](const std::string& bytes) {
    write_raw(p, bytes);
    try {
      GgufFile f(p);
      for (const auto& [name, t] : f.tensors()) ASSERT_LE(t.nbytes, bytes.size()) << name;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
  };
  const size_t header_end = after(good, "output_norm.weight") + 4 + 8 + 4 + 8;
  for (size_t n = 0; n < good.size(); n += n < header_end ? 1 : 7) try_open(good.substr(0, n));
  std::mt19937 rng(12345);
  for (int i = 0; i < 500; ++i) {
    std::string b = good;
    const size_t pos = rng() % header_end;
    b[pos] = static_cast<char>(rng() & 0xff);
    if (i % 3 == 0) b[rng() % header_end] = static_cast<char>(0xff);
    try_open(b);
  }
}

}  // namespace
}  // namespace lq
