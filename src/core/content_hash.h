// A 128-bit content hash for telling inputs apart: two independent 64-bit lanes, each mixing
// 8 bytes at a time through a multiply-xorshift step (splitmix64's finalizer). It catches
// accidents (a store resumed with another model or corpus, a file edited between runs), not an
// adversary: it is not cryptographic, and nothing in langquant trusts it for security.
// Strings are fed with their length first, so ("ab","c") and ("a","bc") hash differently.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace lq {

class ContentHash {
 public:
  void bytes(const void* data, size_t n);
  void text(const std::string& s);  // length, then bytes
  void u64(uint64_t v);
  // 32 lowercase hex digits.
  std::string hex() const;

 private:
  void word(uint64_t w);
  uint64_t a_ = 0x9e3779b97f4a7c15ull, b_ = 0xc2b2ae3d27d4eb4full;
  uint64_t pending_ = 0;  // bytes not yet forming a whole word
  int npending_ = 0;
  uint64_t length_ = 0;
};

}  // namespace lq
