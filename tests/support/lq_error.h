// The one line an lq::Error carries, for tests of bad input: "" when `f` throws nothing.
#pragma once
#include <string>
#include <utility>

#include "core/error.h"

namespace lq::test_support {

template <class F>
std::string error_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace lq::test_support
