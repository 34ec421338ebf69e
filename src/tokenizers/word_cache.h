// The BPE word cache: word -> ids, in one flat table plus one byte arena so a lookup touches
// two cache lines instead of the four or five of a node-based std::unordered_map (which
// took a fifth of all tokenizing time). Fixed capacity: once full, new words are not added.
// Safe to use from several threads.
#pragma once
#include <cstdint>
#include <shared_mutex>
#include <string_view>
#include <vector>

namespace lq::tok {

class WordCache {
 public:
  explicit WordCache(size_t capacity);

  // Appends the cached ids of word to ids; false when the word is not cached.
  bool lookup(std::string_view word, std::vector<int32_t>& ids) const;
  void insert(std::string_view word, const int32_t* ids, size_t count);

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0;  // into arena_: the word's bytes, then its ids
    uint16_t word_bytes = 0;
    uint16_t id_count = 0;
    bool used = false;
  };
  size_t find_slot(std::string_view word, uint64_t hash) const;  // matching or first free slot

  size_t capacity_;
  size_t size_ = 0;
  std::vector<Slot> slots_;
  std::vector<char> arena_;
  mutable std::shared_mutex mutex_;
};

}  // namespace lq::tok
