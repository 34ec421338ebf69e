// How an Estimate appears in JSON: key, key_lo, key_hi; non-finite values as null.
#pragma once
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "eval/bootstrap.h"

namespace lq {

inline nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

inline void put_estimate(nlohmann::json& j, const std::string& key, const Estimate& e) {
  j[key] = finite_or_null(e.value);
  j[key + "_lo"] = finite_or_null(e.lo);
  j[key + "_hi"] = finite_or_null(e.hi);
}

}  // namespace lq
