#include "core/progress.h"

#include "core/run_observer.h"

#include <unistd.h>

#include <cstdio>

namespace lq {

std::string format_duration(double s) {
  if (s < 0 || s != s) return "?";
  char buf[32];
  const long t = static_cast<long>(s + 0.5);
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", t);
  return buf;
}

Progress::Progress(std::string label, int64_t total, std::string unit, bool quiet)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(!quiet && ::isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  if (RunObserver* o = current_run_observer()) o->progress(label_, 0, total_);
}

Progress::~Progress() { finish(); }

void Progress::advance(int64_t n) {
  done_ += n;
  if (RunObserver* o = current_run_observer()) {  // a front end's own progress, and its Ctrl-C
    o->progress(label_, done_, total_);
    o->poll();
  }
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ > std::chrono::milliseconds(200)) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(true);
}

void Progress::draw(bool final) {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = secs > 0 ? done_ / secs : 0;
  const double eta = rate > 0 ? (total_ - done_) / rate : -1;
  std::fprintf(stderr, "\r%s: %lld/%lld %s, %.0f %s/s, %s %s\033[K%s", label_.c_str(),
               static_cast<long long>(done_), static_cast<long long>(total_), unit_.c_str(), rate,
               unit_.c_str(), final ? "took" : "ETA", format_duration(final ? secs : eta).c_str(),
               final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace lq
