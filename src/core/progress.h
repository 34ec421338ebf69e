// A one-line progress report on stderr: units done, rate and ETA. Silent when stderr is not a
// terminal or when quiet is set, so logs and CI output stay clean. A front end's RunObserver
// (core/run_observer.h) sees every step whether drawn or not.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace lq {

class Progress {
 public:
  Progress(std::string label, int64_t total, std::string unit, bool quiet);
  ~Progress();
  void advance(int64_t n);
  void finish();

 private:
  void draw(bool final);
  std::string label_, unit_;
  int64_t total_, done_ = 0;
  bool enabled_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

std::string format_duration(double seconds);

}  // namespace lq
