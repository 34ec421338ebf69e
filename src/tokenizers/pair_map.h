// An open-addressing hash map from a pair of token ids to a merge. BPE looks a pair up for
// every candidate merge of every word, and std::unordered_map's node-per-entry layout and
// prime-modulo hashing made that lookup a fifth of all tokenizing time.
#pragma once
#include <cstdint>
#include <vector>

namespace lq::tok {

template <class Value>
class PairMap {
 public:
  static uint64_t key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  }

  explicit PairMap(size_t expected = 0) {
    size_t capacity = 16;
    while (capacity < expected * 2) capacity *= 2;  // load factor <= 1/2 keeps probes short
    slots_.assign(capacity, Slot{kEmpty, Value{}});
    shift_ = 64 - __builtin_ctzll(capacity);
  }

  // Inserts or overwrites. Capacity is fixed by the constructor's `expected`.
  void set(uint64_t k, const Value& value) {
    for (size_t i = slot_of(k);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].key == kEmpty || slots_[i].key == k) {
        slots_[i] = Slot{k, value};
        return;
      }
    }
  }

  const Value* find(uint64_t k) const {
    for (size_t i = slot_of(k);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].key == k) return &slots_[i].value;
      if (slots_[i].key == kEmpty) return nullptr;
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};  // not a pair of non-negative ids
  struct Slot {
    uint64_t key;
    Value value;
  };
  size_t slot_of(uint64_t k) const { return (k * 0x9e3779b97f4a7c15ull) >> shift_; }

  std::vector<Slot> slots_;
  int shift_ = 60;
};

}  // namespace lq::tok
