#include "report/text_format.h"

#include <cmath>
#include <cstdio>

#include "core/number_text.h"

namespace lq::report {

std::string fmt(double v, const char* format) { return format_number(v, format, /*blank_non_finite=*/true); }

std::string with_ci(const Value& v, double scale, const char* format, const std::string& suffix) {
  if (v.unstable) return "unstable";
  if (!std::isfinite(v.value)) return "n/a";
  std::string s = fmt(scale * v.value, format);
  if (std::isfinite(v.lo) && std::isfinite(v.hi))
    s += " [" + fmt(scale * v.lo, format) + ", " + fmt(scale * v.hi, format) + "]";
  return s + suffix;
}

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string script_json(const nlohmann::json& j) {
  const std::string raw = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '`') out += "\\`";
    else out += c;
  }
  return out;
}

}  // namespace lq::report
