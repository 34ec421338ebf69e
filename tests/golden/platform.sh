#!/usr/bin/env bash
# platform.sh LANGQUANT_BIN: what the golden outputs' floating-point bytes depend on besides the
# program: the CPU's vector extensions (the binary is built with -march=native, OpenBLAS picks
# its kernels at run time) and the OpenBLAS library the binary loads.
set -euo pipefail
model=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//')
flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' |
        grep -Ex 'sse4_2|avx|avx2|fma|f16c|avx512f|avx512bw|avx512vl|avx512dq|avx512_vnni|avx512_bf16|avx_vnni|amx_tile' |
        LC_ALL=C sort | tr '\n' ' ')
blas=$(ldd "$1" | awk '/openblas/ { print $3 }' | xargs -r readlink -f | xargs -r -n1 basename)
echo "cpu: $model"
echo "cpu flags: ${flags% }"
echo "openblas: ${blas:-not linked}"
