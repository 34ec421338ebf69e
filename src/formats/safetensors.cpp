#include "formats/safetensors.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_file.h"

namespace lq {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100ull << 20;  // as the reference implementation caps it

int64_t checked_numel(const std::vector<int64_t>& shape, const std::string& where) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) fail(where, "negative dimension in shape");
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) fail(where, "shape overflows");
    n *= d;
  }
  return n;
}

}  // namespace

SafetensorsFile::SafetensorsFile(const std::string& path)
    : file_(std::make_unique<MappedFile>(path)) {
  const size_t size = file_->size();
  if (size < 8) fail(path, "truncated: shorter than the 8-byte header length (incomplete download?)");
  uint64_t header_len;
  std::memcpy(&header_len, file_->data(), 8);  // little-endian on every platform we build for
  if (header_len > kMaxHeaderBytes)
    fail(path, "header length " + std::to_string(header_len) + " exceeds the 100 MiB limit (not a safetensors file?)");
  if (8 + header_len > size)
    fail(path, "truncated: header claims " + std::to_string(header_len) + " bytes but the file has " +
                   std::to_string(size - 8) + " after the length (incomplete download?)");
  const char* hdr = reinterpret_cast<const char*>(file_->data() + 8);
  nlohmann::json j = nlohmann::json::parse(hdr, hdr + header_len, nullptr, false);
  if (j.is_discarded()) fail(path, "header is not valid JSON");
  if (!j.is_object()) fail(path, "header is not a JSON object");

  const std::byte* data = file_->data() + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto& [name, entry] : j.items()) {
    const std::string where = path + ": tensor '" + name + "'";
    if (name == "__metadata__") {
      if (!entry.is_object()) fail(path, "__metadata__ is not an object");
      for (auto& [k, v] : entry.items()) {
        if (!v.is_string()) fail(path, "__metadata__ value of '" + k + "' is not a string");
        metadata_[k] = v.get<std::string>();
      }
      continue;
    }
    if (!entry.is_object()) fail(where, "entry is not an object");
    const auto dt = entry.find("dtype");
    const auto sh = entry.find("shape");
    const auto off = entry.find("data_offsets");
    if (dt == entry.end() || !dt->is_string()) fail(where, "missing or non-string 'dtype'");
    if (sh == entry.end() || !sh->is_array()) fail(where, "missing or non-array 'shape'");
    if (off == entry.end() || !off->is_array() || off->size() != 2)
      fail(where, "'data_offsets' must be an array [begin, end]");
    const auto dtype = dtype_from_name(dt->get<std::string>());
    if (!dtype) fail(where, "unknown dtype '" + dt->get<std::string>() + "'");
    TensorView v;
    v.name = name;
    v.dtype = *dtype;
    for (const auto& d : *sh) {
      if (!d.is_number_integer()) fail(where, "shape entries must be integers");
      v.shape.push_back(d.get<int64_t>());
    }
    for (const auto& o : *off)
      if (!o.is_number_unsigned()) fail(where, "data_offsets must be non-negative integers");
    const uint64_t begin = (*off)[0].get<uint64_t>(), end = (*off)[1].get<uint64_t>();
    if (begin > end) fail(where, "data_offsets begin > end");
    if (end > data_size)
      fail(where, "data ends at byte " + std::to_string(end) + " but the data section has " +
                      std::to_string(data_size) + " (truncated file?)");
    const int64_t numel = checked_numel(v.shape, where);
    const uint64_t expected = static_cast<uint64_t>(numel) * dtype_size(v.dtype);
    if (end - begin != expected)
      fail(where, "holds " + std::to_string(end - begin) + " bytes but shape " + v.shape_string() + " of " +
                      std::string(dtype_name(v.dtype)) + " needs " + std::to_string(expected));
    v.data = data + begin;
    v.nbytes = end - begin;
    if (v.nbytes) ranges.emplace_back(begin, end);
    tensors_.emplace(name, std::move(v));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second) fail(path, "tensors overlap in the data section");
}

SafetensorsStore::SafetensorsStore(const std::string& dir) : dir_(dir) {
  namespace fs = std::filesystem;
  if (!fs::exists(dir)) fail(dir, "no such checkpoint folder");
  if (!fs::is_directory(dir)) fail(dir, "not a folder (expected a Hugging Face checkpoint folder)");
  const fs::path single = fs::path(dir) / "model.safetensors";
  const fs::path index = fs::path(dir) / "model.safetensors.index.json";
  if (fs::exists(index)) {
    const std::string ipath = index.string();
    const nlohmann::json j = read_json_file(ipath);
    if (!j.is_object()) fail(ipath, "not a JSON object");
    auto wm = j.find("weight_map");
    if (wm == j.end() || !wm->is_object()) fail(ipath, "missing 'weight_map' object");
    std::map<std::string, SafetensorsFile*> by_file;
    for (auto& [name, file] : wm->items()) {
      if (!file.is_string()) fail(ipath, "weight_map entry '" + name + "' is not a file name");
      const std::string f = file.get<std::string>();
      if (f.find('/') != std::string::npos) fail(ipath, "shard name '" + f + "' must not contain '/'");
      if (!by_file.count(f)) {
        files_.push_back(std::make_unique<SafetensorsFile>((fs::path(dir) / f).string()));
        by_file[f] = files_.back().get();
      }
      const auto& ts = by_file[f]->tensors();
      auto it = ts.find(name);
      if (it == ts.end()) fail(by_file[f]->path(), "tensor '" + name + "' listed in the index is missing");
      index_[name] = &it->second;
    }
  } else if (fs::exists(single)) {
    files_.push_back(std::make_unique<SafetensorsFile>(single.string()));
    for (const auto& [name, v] : files_.back()->tensors()) index_[name] = &v;
  } else {
    fail(dir, "no model.safetensors or model.safetensors.index.json (only safetensors checkpoints are supported)");
  }
}

const TensorView& TensorStore::get(const std::string& name) const {
  const TensorView* v = find(name);
  if (!v) fail(path(), "checkpoint has no tensor '" + name + "'");
  return *v;
}

std::vector<std::string> SafetensorsStore::files() const {
  std::vector<std::string> out;
  for (const auto& f : files_) out.push_back(f->path());
  return out;
}

}  // namespace lq
