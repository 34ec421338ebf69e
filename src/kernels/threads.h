#pragma once

namespace lq {
// Sets the threads used by OpenMP loops and OpenBLAS; n <= 0 means all cores. Returns n used.
int set_compute_threads(int n);
int compute_threads();
}  // namespace lq
