#include "kernels/threads.h"

#include <cblas.h>
#include <omp.h>

namespace lq {

int set_compute_threads(int n) {
  if (n <= 0) n = omp_get_num_procs();
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
  return n;
}

int compute_threads() { return omp_get_max_threads(); }

}  // namespace lq
