#include "core/number_text.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace lq {

std::string strprintf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  char small[256];
  const int n = std::vsnprintf(small, sizeof small, format, args);
  va_end(args);
  std::string out;
  if (n < 0) {
    out = "";
  } else if (static_cast<size_t>(n) < sizeof small) {
    out.assign(small, static_cast<size_t>(n));
  } else {
    out.resize(static_cast<size_t>(n) + 1);
    std::vsnprintf(out.data(), out.size(), format, again);
    out.resize(static_cast<size_t>(n));
  }
  va_end(again);
  return out;
}

std::string format_number(double v, const char* format, bool blank_non_finite) {
  if (blank_non_finite && !std::isfinite(v)) return "";
  return strprintf(format, v);
}

std::string format_percent(double fraction, int digits) { return strprintf("%.*f%%", digits, 100 * fraction); }

}  // namespace lq
