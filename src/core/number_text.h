// Numbers as text, in one place: printf-style formats give the exact digits the outputs have
// always had (tables, plan names, progress), and the golden files pin those digits.
#pragma once
#include <string>

namespace lq {

// snprintf into a std::string of any length.
[[gnu::format(printf, 1, 2)]] std::string strprintf(const char* format, ...);

// One number with a printf format ("%.4g", "%.6f"); "" when `blank_non_finite` and v is NaN or
// infinite (tables leave such cells empty).
std::string format_number(double v, const char* format, bool blank_non_finite = false);

// 0.1234 -> "12.34%" (digits after the point as given).
std::string format_percent(double fraction, int digits = 2);

}  // namespace lq
