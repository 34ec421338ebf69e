// One error type for everything langquant rejects. Thrown deep inside, caught once at the
// CLI edge, printed as a single line "<where>: <what>".
#pragma once
#include <stdexcept>
#include <string>

namespace lq {

class Error : public std::runtime_error {
 public:
  Error(std::string where, const std::string& what)
      : std::runtime_error(where.empty() ? what : where + ": " + what), where_(std::move(where)) {}
  const std::string& where() const { return where_; }

 private:
  std::string where_;
};

// Throws Error naming the file (or other input) at fault.
[[noreturn]] inline void fail(const std::string& where, const std::string& what) {
  throw Error(where, what);
}

}  // namespace lq
