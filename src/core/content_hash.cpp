#include "core/content_hash.h"

#include <cstdio>
#include <cstring>

namespace lq {
namespace {

uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

void ContentHash::word(uint64_t w) {
  a_ = mix(a_ ^ w) + 0x9e3779b97f4a7c15ull;
  b_ = mix(b_ + (w ^ 0x5851f42d4c957f2dull)) ^ (b_ >> 17);
}

void ContentHash::bytes(const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  length_ += n;
  while (n > 0 && npending_ > 0) {  // finish a partial word first
    pending_ |= static_cast<uint64_t>(*p++) << (8 * npending_);
    --n;
    if (++npending_ == 8) {
      word(pending_);
      pending_ = 0;
      npending_ = 0;
    }
  }
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w = 0;
    for (int i = 0; i < 8; ++i) w |= static_cast<uint64_t>(p[i]) << (8 * i);  // little-endian on every host
    word(w);
  }
  for (; n > 0; --n) pending_ |= static_cast<uint64_t>(*p++) << (8 * npending_++);
}

void ContentHash::u64(uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  bytes(b, 8);
}

void ContentHash::text(const std::string& s) {
  u64(s.size());
  bytes(s.data(), s.size());
}

std::string ContentHash::hex() const {
  // The tail and the total length close the hash, so a trailing zero byte still counts.
  ContentHash h = *this;
  h.word(h.pending_ ^ (static_cast<uint64_t>(h.npending_) << 56));
  h.word(h.length_);
  char out[33];
  std::snprintf(out, sizeof out, "%016llx%016llx", static_cast<unsigned long long>(mix(h.a_)),
                static_cast<unsigned long long>(mix(h.b_ ^ h.a_)));
  return out;
}

}  // namespace lq
