// A string-keyed hash map that can be queried with a string_view without allocating.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace lq::tok {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

template <class Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

}  // namespace lq::tok
