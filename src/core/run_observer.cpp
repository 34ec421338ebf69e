#include "core/run_observer.h"

namespace lq {
namespace {
// Per thread: OpenMP workers never see the observer, so nothing throws out of a parallel region.
thread_local RunObserver* current = nullptr;
}  // namespace

ScopedRunObserver::ScopedRunObserver(RunObserver* observer) : previous_(current) { current = observer; }
ScopedRunObserver::~ScopedRunObserver() { current = previous_; }

RunObserver* current_run_observer() { return current; }

void poll_run_observer() {
  if (current) current->poll();
}

}  // namespace lq
