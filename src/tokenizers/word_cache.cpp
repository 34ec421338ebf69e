#include "tokenizers/word_cache.h"

#include <cstring>
#include <functional>
#include <limits>
#include <mutex>

namespace lq::tok {

WordCache::WordCache(size_t capacity) : capacity_(capacity) {
  size_t slots = 16;
  while (slots < capacity * 2) slots *= 2;  // load factor <= 1/2
  slots_.resize(slots);
  arena_.reserve(capacity * 32);
}

size_t WordCache::find_slot(std::string_view word, uint64_t hash) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (!slot.used) return i;
    if (slot.hash == hash && slot.word_bytes == word.size() &&
        (word.empty() || std::memcmp(arena_.data() + slot.offset, word.data(), word.size()) == 0)) {
      return i;
    }
  }
}

bool WordCache::lookup(std::string_view word, std::vector<int32_t>& ids) const {
  const uint64_t hash = std::hash<std::string_view>{}(word);
  std::shared_lock lock(mutex_);
  const Slot& slot = slots_[find_slot(word, hash)];
  if (!slot.used) return false;
  if (slot.id_count == 0) return true;  // a word that produced no ids: nothing to copy (ids.data() may be null)
  const size_t old_size = ids.size();
  ids.resize(old_size + slot.id_count);
  std::memcpy(ids.data() + old_size, arena_.data() + slot.offset + slot.word_bytes,
              slot.id_count * sizeof(int32_t));
  return true;
}

void WordCache::insert(std::string_view word, const int32_t* ids, size_t count) {
  constexpr size_t kMaxField = std::numeric_limits<uint16_t>::max();
  if (word.size() > kMaxField || count > kMaxField) return;
  const uint64_t hash = std::hash<std::string_view>{}(word);
  std::unique_lock lock(mutex_);
  if (size_ >= capacity_ || arena_.size() + word.size() + count * 4 > std::numeric_limits<uint32_t>::max()) return;
  Slot& slot = slots_[find_slot(word, hash)];
  if (slot.used) return;  // another thread got there first
  slot = Slot{hash, static_cast<uint32_t>(arena_.size()), static_cast<uint16_t>(word.size()),
              static_cast<uint16_t>(count), true};
  arena_.insert(arena_.end(), word.begin(), word.end());
  const auto* id_bytes = reinterpret_cast<const char*>(ids);
  arena_.insert(arena_.end(), id_bytes, id_bytes + count * sizeof(int32_t));
  ++size_;
}

}  // namespace lq::tok
