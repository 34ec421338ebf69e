#include "formats/gguf.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>

#include "core/error.h"

namespace lq {
namespace {

using VT = GgufValue::Type;

constexpr uint32_t kMaxDims = 4;          // GGML_MAX_DIMS
constexpr int kMaxArrayDepth = 8;         // real files use 1; deeper is corruption or an attack
constexpr uint64_t kMaxAlignment = 1ull << 30;
// The fewest bytes one metadata entry or one tensor info can occupy; a count claiming more
// entries than the rest of the file could hold is refused before anything is allocated.
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;               // key length, value type, one byte
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;  // name length, n_dims, ne[0], type, offset

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

// Reads little-endian fields from the mapping; every read is bounds-checked first.
class Cursor {
 public:
  Cursor(const std::string& path, const std::byte* data, size_t size) : path_(path), data_(data), size_(size) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  const std::string& path() const { return path_; }

  void need(uint64_t n, const std::string& what) const {
    if (n > remaining())
      fail(path_, "truncated in " + what + ": needs " + std::to_string(n) + " bytes at offset " +
                      std::to_string(pos_) + " but the file has " + std::to_string(size_) +
                      " (incomplete download?)");
  }
  template <class T>
  T read(const std::string& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));  // GGUF is little-endian, as every platform we build for
    pos_ += sizeof(T);
    return v;
  }
  std::string_view read_string(const std::string& what) {
    const uint64_t len = read<uint64_t>(what);
    if (len > remaining())
      fail(path_, what + " claims a string of " + std::to_string(len) + " bytes but only " +
                      std::to_string(remaining()) + " bytes remain in the file (corrupt or truncated)");
    std::string_view s(reinterpret_cast<const char*>(data_ + pos_), len);
    pos_ += len;
    return s;
  }

 private:
  const std::string& path_;
  const std::byte* data_;
  size_t size_;
  size_t pos_ = 0;
};

GgufValue parse_value(Cursor& c, uint32_t type_id, const std::string& what, int depth) {
  if (!GgufValue::is_known_type(type_id))
    fail(c.path(), what + " has unknown value type " + std::to_string(type_id) + " (GGUF defines 0 to 12)");
  switch (static_cast<VT>(type_id)) {
    case VT::U8: return GgufValue::u8(c.read<uint8_t>(what));
    case VT::I8: return GgufValue::i8(c.read<int8_t>(what));
    case VT::U16: return GgufValue::u16(c.read<uint16_t>(what));
    case VT::I16: return GgufValue::i16(c.read<int16_t>(what));
    case VT::U32: return GgufValue::u32(c.read<uint32_t>(what));
    case VT::I32: return GgufValue::i32(c.read<int32_t>(what));
    case VT::U64: return GgufValue::u64(c.read<uint64_t>(what));
    case VT::I64: return GgufValue::i64(c.read<int64_t>(what));
    case VT::F32: return GgufValue::f32(c.read<float>(what));
    case VT::F64: return GgufValue::f64(c.read<double>(what));
    case VT::BOOL: {
      const uint8_t b = c.read<uint8_t>(what);
      if (b > 1) fail(c.path(), what + " is a BOOL stored as " + std::to_string(b) + " (must be 0 or 1)");
      return GgufValue::boolean(b != 0);
    }
    case VT::STRING: return GgufValue::string(std::string(c.read_string(what)));
    case VT::ARRAY: break;
  }
  if (depth >= kMaxArrayDepth)
    fail(c.path(), what + " nests arrays more than " + std::to_string(kMaxArrayDepth) + " levels deep");
  const uint32_t elem = c.read<uint32_t>(what);
  if (!GgufValue::is_known_type(elem))
    fail(c.path(), what + " is an array of unknown value type " + std::to_string(elem) + " (GGUF defines 0 to 12)");
  const uint64_t count = c.read<uint64_t>(what);
  const VT et = static_cast<VT>(elem);
  const uint64_t min_item = et == VT::STRING ? 8 : et == VT::ARRAY ? 12 : GgufValue::scalar_size(et);
  if (count > c.remaining() / min_item)
    fail(c.path(), what + " claims an array of " + std::to_string(count) + " " +
                       std::string(GgufValue::type_name(et)) + " items, more than the " +
                       std::to_string(c.remaining()) + " remaining bytes could hold (corrupt)");
  std::vector<GgufValue> items;
  items.reserve(count);
  for (uint64_t i = 0; i < count; ++i) items.push_back(parse_value(c, elem, what, depth + 1));
  return GgufValue::array(et, std::move(items));
}

// One parsed .gguf file.
struct Shard {
  std::unique_ptr<MappedFile> file;
  uint32_t version = 0;
  size_t alignment = 32;
  std::map<std::string, GgufValue> metadata;
  std::vector<TensorView> tensors;  // in file order
};

std::string describe_magic(const std::byte* p) {
  std::string s;
  bool printable = true;
  for (int i = 0; i < 4; ++i) printable = printable && std::isprint(static_cast<unsigned char>(p[i]));
  if (printable) return "'" + std::string(reinterpret_cast<const char*>(p), 4) + "'";
  char hex[16];
  std::snprintf(hex, sizeof hex, "%02x %02x %02x %02x", unsigned(p[0]), unsigned(p[1]), unsigned(p[2]), unsigned(p[3]));
  return std::string("bytes ") + hex;
}

void read_header(Cursor& c, Shard& s, uint64_t& tensor_count, uint64_t& kv_count) {
  const std::string& path = c.path();
  const size_t size = s.file->size();
  if (size < 4) fail(path, "truncated: " + std::to_string(size) + " bytes, too short for a GGUF header");
  if (std::memcmp(s.file->data(), "GGUF", 4) != 0)
    fail(path, "not a GGUF file: starts with " + describe_magic(s.file->data()) + ", expected 'GGUF'");
  c.read<uint32_t>("the header");
  s.version = c.read<uint32_t>("the header");
  if (s.version == 1)
    fail(path, "GGUF version 1 is not supported (a pre-August-2023 file; re-convert it with a current llama.cpp)");
  if (s.version == 0x02000000u || s.version == 0x03000000u)
    fail(path, "big-endian GGUF file; langquant reads little-endian GGUF only");
  if (s.version != 2 && s.version != 3)
    fail(path, "unsupported GGUF version " + std::to_string(s.version) + " (langquant reads versions 2 and 3)");
  tensor_count = c.read<uint64_t>("the header");
  kv_count = c.read<uint64_t>("the header");
  const uint64_t rest = c.remaining();
  if (kv_count > rest / kMinKvBytes)
    fail(path, "header claims " + std::to_string(kv_count) + " metadata entries, more than the " +
                   std::to_string(rest) + " bytes after the header could hold (corrupt header)");
  if (tensor_count > rest / kMinTensorInfoBytes ||
      kv_count * kMinKvBytes + tensor_count * kMinTensorInfoBytes > rest)
    fail(path, "header claims " + std::to_string(tensor_count) + " tensors, more than the " +
                   std::to_string(rest) + " bytes after the header could hold (corrupt header)");
}

void read_metadata(Cursor& c, uint64_t kv_count, Shard& s) {
  for (uint64_t i = 0; i < kv_count; ++i) {
    const std::string entry = "metadata entry " + std::to_string(i);
    const std::string_view key = c.read_string(entry + " (its key)");
    if (key.empty()) fail(c.path(), entry + " has an empty key");
    const std::string what = "metadata key " + in_quotes(key);
    const uint32_t type = c.read<uint32_t>(what);
    GgufValue v = parse_value(c, type, what, 0);
    if (!s.metadata.emplace(std::string(key), std::move(v)).second)
      fail(c.path(), what + " appears twice");
  }
  if (auto it = s.metadata.find("general.alignment"); it != s.metadata.end()) {
    const auto a = it->second.as_uint();
    if (!a) fail(c.path(), "metadata key 'general.alignment' has type " + it->second.type_name() + ", expected UINT32");
    if (*a == 0 || *a > kMaxAlignment || (*a & (*a - 1)) != 0)
      fail(c.path(), "general.alignment is " + std::to_string(*a) + ", not a power of two up to 2^30");
    s.alignment = static_cast<size_t>(*a);
  }
}

struct RawTensor {
  TensorView view;
  uint64_t offset;
};

RawTensor read_tensor_info(Cursor& c, uint64_t index, uint64_t file_size) {
  const std::string& path = c.path();
  const std::string_view name = c.read_string("tensor info " + std::to_string(index) + " (its name)");
  const std::string what = "tensor " + in_quotes(name);
  const uint32_t n_dims = c.read<uint32_t>("the info of " + what);
  if (n_dims == 0 || n_dims > kMaxDims)
    fail(path, what + " has " + std::to_string(n_dims) + " dimensions; GGUF allows 1 to 4");
  RawTensor t;
  t.view.name = std::string(name);
  std::vector<uint64_t> ne(n_dims);
  int64_t numel = 1;
  for (uint32_t d = 0; d < n_dims; ++d) {
    ne[d] = c.read<uint64_t>("the info of " + what);
    if (ne[d] > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail(path, what + " has dimension ne[" + std::to_string(d) + "] = " + std::to_string(ne[d]) + ", too large");
    const auto n = static_cast<int64_t>(ne[d]);
    if (n != 0 && numel > std::numeric_limits<int64_t>::max() / n)
      fail(path, what + " has more elements than fit in 64 bits");
    numel *= n;
  }
  const uint32_t type = c.read<uint32_t>("the info of " + what);
  t.offset = c.read<uint64_t>("the info of " + what);
  const auto dtype = dtype_from_ggml_id(type);
  if (!dtype) {
    const std::string_view tn = ggml_type_name(type);
    if (tn.empty()) fail(path, what + " has unknown ggml type id " + std::to_string(type));
    fail(path, what + " has type " + std::string(tn) + ", which langquant does not read");
  }
  const int64_t block = dtype_block_size(*dtype);
  if (ne[0] % static_cast<uint64_t>(block) != 0)
    fail(path, what + " has rows of " + std::to_string(ne[0]) + " elements (ne[0]), not a multiple of " +
                   std::string(dtype_name(*dtype)) + "'s block of " + std::to_string(block));
  if (static_cast<uint64_t>(numel / block) > file_size / dtype_block_bytes(*dtype))
    fail(path, what + " has " + std::to_string(numel) + " " + std::string(dtype_name(*dtype)) +
                   " elements, more bytes than the whole file holds (truncated or corrupt)");
  t.view.dtype = *dtype;
  for (uint32_t d = n_dims; d-- > 0;) t.view.shape.push_back(static_cast<int64_t>(ne[d]));
  t.view.nbytes = dtype_bytes(*dtype, numel);
  return t;
}

Shard parse_shard(const std::string& path) {
  Shard s;
  s.file = std::make_unique<MappedFile>(path);
  Cursor c(path, s.file->data(), s.file->size());
  uint64_t tensor_count = 0, kv_count = 0;
  read_header(c, s, tensor_count, kv_count);
  read_metadata(c, kv_count, s);

  const uint64_t size = s.file->size();
  std::vector<RawTensor> raw;
  raw.reserve(tensor_count);
  std::set<std::string_view> names;
  for (uint64_t i = 0; i < tensor_count; ++i) {
    raw.push_back(read_tensor_info(c, i, size));
    if (!names.insert(raw.back().view.name).second)
      fail(path, "tensor " + in_quotes(raw.back().view.name) + " appears twice");
  }
  // The data section starts at the first multiple of the alignment after the tensor infos.
  const uint64_t data_start = (c.pos() + s.alignment - 1) / s.alignment * s.alignment;
  const uint64_t data_size = data_start <= size ? size - data_start : 0;
  std::vector<std::pair<uint64_t, size_t>> ranges;  // (offset, index into raw)
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto& t = raw[i];
    const std::string what = "tensor " + in_quotes(t.view.name);
    if (t.offset % s.alignment != 0)
      fail(path, what + " data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                     std::to_string(s.alignment));
    if (t.offset > data_size || t.view.nbytes > data_size - t.offset)
      fail(path, what + " data [" + std::to_string(t.offset) + ", " + std::to_string(t.offset + t.view.nbytes) +
                     ") of the data section ends past the end of the file (the section has " +
                     std::to_string(data_size) + " bytes; truncated download?)");
    if (t.view.nbytes) ranges.emplace_back(t.offset, i);
  }
  std::sort(ranges.begin(), ranges.end());
  size_t furthest = 0;  // the tensor reaching furthest among those seen so far
  for (size_t k = 0; k < ranges.size(); ++k) {
    const RawTensor& t = raw[ranges[k].second];
    const RawTensor& f = raw[ranges[furthest].second];
    if (k > 0 && t.offset < f.offset + f.view.nbytes)
      fail(path, "tensors " + in_quotes(f.view.name) + " and " + in_quotes(t.view.name) + " overlap in the data section");
    if (k == 0 || t.offset + t.view.nbytes > f.offset + f.view.nbytes) furthest = k;
  }
  const std::byte* data = s.file->data() + std::min<uint64_t>(data_start, size);
  for (auto& t : raw) {
    t.view.data = data + t.offset;
    s.tensors.push_back(std::move(t.view));
  }
  return s;
}

// split.* keys of one shard; nullopt when the file is not part of a split model.
struct SplitInfo {
  int64_t no, count;
  std::optional<int64_t> tensors;
};

std::optional<SplitInfo> split_info(const std::map<std::string, GgufValue>& md, const std::string& path) {
  auto integer = [&](const char* key) -> std::optional<int64_t> {
    auto it = md.find(key);
    if (it == md.end()) return std::nullopt;
    const auto v = it->second.as_int();
    if (!v) fail(path, std::string("metadata key '") + key + "' has type " + it->second.type_name() + ", expected an integer");
    return v;
  };
  const auto no = integer("split.no"), count = integer("split.count"), tensors = integer("split.tensors.count");
  if (!no && !count) return std::nullopt;
  if (!no || !count) fail(path, "split metadata needs both split.no and split.count");
  if (*count < 1 || *count > 99999) fail(path, "split.count is " + std::to_string(*count) + ", expected 1 to 99999");
  if (*no < 0 || *no >= *count)
    fail(path, "split.no is " + std::to_string(*no) + " but split.count is " + std::to_string(*count));
  if (tensors && *tensors < 0) fail(path, "split.tensors.count is negative");
  return SplitInfo{*no, *count, tensors};
}

std::string shard_name(const std::string& prefix, int64_t i, int64_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "-%05lld-of-%05lld.gguf", static_cast<long long>(i), static_cast<long long>(n));
  return prefix + buf;
}

}  // namespace

GgufFile::~GgufFile() = default;

GgufFile::GgufFile(const std::string& path) : path_(path) {
  Shard first = parse_shard(path);
  version_ = first.version;
  alignment_ = first.alignment;
  metadata_ = std::move(first.metadata);
  std::vector<Shard> shards;
  shards.push_back(std::move(first));
  shards.front().metadata.clear();

  const std::optional<SplitInfo> split = split_info(metadata_, path);
  if (split && split->count > 1) {
    const std::string suffix = shard_name("", split->no + 1, split->count);
    const bool named_as_shard =
        path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
    if (split->no != 0) {
      const std::string first_shard = named_as_shard ? shard_name(path.substr(0, path.size() - suffix.size()), 1, split->count)
                                                     : "NAME" + shard_name("", 1, split->count);
      fail(path, "is shard " + std::to_string(split->no + 1) + " of " + std::to_string(split->count) +
                     " of a split model; open the first shard, " + first_shard);
    }
    if (!named_as_shard)
      fail(path, "split.count is " + std::to_string(split->count) + " but the file name does not end in " + suffix +
                     ", so the other shards cannot be found");
    const std::string prefix = path.substr(0, path.size() - suffix.size());
    for (int64_t i = 2; i <= split->count; ++i) {
      const std::string p = shard_name(prefix, i, split->count);
      if (!std::filesystem::exists(p))
        fail(path, "shard " + std::to_string(i) + " of " + std::to_string(split->count) + " (" + p + ") is missing");
      Shard s = parse_shard(p);
      const auto si = split_info(s.metadata, p);
      if (!si) fail(p, "has no split.no / split.count metadata but is named as shard " + std::to_string(i));
      if (si->no != i - 1 || si->count != split->count)
        fail(p, "split.no " + std::to_string(si->no) + " / split.count " + std::to_string(si->count) +
                    " do not match its name (shard " + std::to_string(i) + " of " + std::to_string(split->count) +
                    ", split.no " + std::to_string(i - 1) + ")");
      if (si->tensors != split->tensors)
        fail(p, "split.tensors.count differs from the first shard's");
      shards.push_back(std::move(s));
    }
  }
  for (auto& s : shards) {
    for (auto& t : s.tensors) {
      const std::string name = t.name;
      if (!tensors_.emplace(name, std::move(t)).second)
        fail(s.file->path(), "tensor " + in_quotes(name) + " is also in an earlier shard");
    }
    files_.push_back(std::move(s.file));
  }
  if (split && split->tensors && static_cast<uint64_t>(*split->tensors) != tensors_.size())
    fail(path, "split.tensors.count is " + std::to_string(*split->tensors) + " but the " +
                   std::to_string(files_.size()) + " shard(s) hold " + std::to_string(tensors_.size()) + " tensors");
}

std::vector<std::string> GgufFile::files() const {
  std::vector<std::string> out;
  for (const auto& f : files_) out.push_back(f->path());
  return out;
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = metadata_.find(std::string(key));
  return it == metadata_.end() ? nullptr : &it->second;
}

const GgufValue& GgufFile::require(std::string_view k) const {
  const GgufValue* v = find(k);
  if (!v) fail(path_, "metadata key " + in_quotes(k) + " is missing");
  return *v;
}

void GgufFile::wrong_type(std::string_view k, const GgufValue& v, std::string_view expected) const {
  fail(path_, "metadata key " + in_quotes(k) + " has type " + v.type_name() + ", expected " + std::string(expected));
}

std::optional<std::string> GgufFile::find_string(std::string_view k) const {
  const GgufValue* v = find(k);
  if (!v) return std::nullopt;
  if (!v->as_string()) wrong_type(k, *v, "STRING");
  return *v->as_string();
}
std::string GgufFile::get_string(std::string_view k) const {
  require(k);
  return *find_string(k);
}

std::optional<int64_t> GgufFile::find_int(std::string_view k) const {
  const GgufValue* v = find(k);
  if (!v) return std::nullopt;
  const auto i = v->as_int();
  if (!i) {
    if (v->as_uint()) fail(path_, "metadata key " + in_quotes(k) + " is " + std::to_string(*v->as_uint()) + ", too large");
    wrong_type(k, *v, "an integer");
  }
  return i;
}
int64_t GgufFile::get_int(std::string_view k) const {
  require(k);
  return *find_int(k);
}

std::optional<double> GgufFile::find_float(std::string_view k) const {
  const GgufValue* v = find(k);
  if (!v) return std::nullopt;
  const auto f = v->as_float();
  if (!f) wrong_type(k, *v, "FLOAT32");
  return f;
}
double GgufFile::get_float(std::string_view k) const {
  require(k);
  return *find_float(k);
}

std::optional<bool> GgufFile::find_bool(std::string_view k) const {
  const GgufValue* v = find(k);
  if (!v) return std::nullopt;
  if (!v->as_bool()) wrong_type(k, *v, "BOOL");
  return v->as_bool();
}

std::vector<std::string> GgufFile::get_strings(std::string_view k) const {
  const GgufValue& v = require(k);
  if (!v.is_array() || v.element_type() != VT::STRING) wrong_type(k, v, "ARRAY[STRING]");
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& it : v.items()) out.push_back(*it.as_string());
  return out;
}

std::vector<float> GgufFile::get_floats(std::string_view k) const {
  const GgufValue& v = require(k);
  const VT e = v.element_type();
  if (!v.is_array() || e == VT::STRING || e == VT::ARRAY || e == VT::BOOL) wrong_type(k, v, "ARRAY[FLOAT32]");
  std::vector<float> out;
  out.reserve(v.size());
  for (const auto& it : v.items()) out.push_back(static_cast<float>(*it.as_float()));
  return out;
}

std::vector<int64_t> GgufFile::get_ints(std::string_view k) const {
  const GgufValue& v = require(k);
  const VT e = v.element_type();
  if (!v.is_array() || e == VT::STRING || e == VT::ARRAY || e == VT::BOOL || e == VT::F32 || e == VT::F64)
    wrong_type(k, v, "an array of integers");
  std::vector<int64_t> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const auto x = v.at(i).as_int();
    if (!x) fail(path_, "metadata key " + in_quotes(k) + " item " + std::to_string(i) + " is too large for int64");
    out.push_back(*x);
  }
  return out;
}

const TensorView* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensors_.find(std::string(name));
  return it == tensors_.end() ? nullptr : &it->second;
}

const TensorView& GgufFile::tensor(std::string_view name) const {
  const TensorView* t = find_tensor(name);
  if (!t) fail(path_, "has no tensor " + in_quotes(name));
  return *t;
}

}  // namespace lq
