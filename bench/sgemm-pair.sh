#!/bin/sh
# Two builds of the native SGEMM against each other and against OpenBLAS, interleaved in one
# process (bench/sgemm-pair.cc): the kernels of git revision BASE and of the working tree, for the
# widest instruction set this CPU has that the addon builds (AVX-512, else AVX2 + FMA; ISA=avx2
# picks AVX2 on an AVX-512 machine).
#   bench/sgemm-pair.sh [BASE] [ROUNDS] [THREADS] [n...]     (HEAD 16 2 128 512 2048 4096)
# Needs a C++17 compiler (CXX, default c++) and OpenBLAS (Debian's libopenblas0, OPENBLAS_LIB to
# point elsewhere). CORTADO_NUM_THREADS sets Cortado's threads, THREADS OpenBLAS's.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-HEAD}
rounds=${2:-16}
threads=${3:-2}
[ $# -gt 3 ] && shift 3 || set -- 128 512 2048 4096
lib=${OPENBLAS_LIB:-$(ls /usr/lib/*/libopenblas.so.0 2>/dev/null | head -n 1)}
[ -n "$lib" ] || { echo "sgemm-pair: OpenBLAS not found (apt-get install libopenblas0, or set OPENBLAS_LIB)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/base"
git -C "$root" archive "$base" native/kernels | tar -x -C "$work/base" --strip-components=2
cxx=${CXX:-c++}
isa=${ISA:-$(grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo avx512 || echo avx2)}
case "$isa" in
  avx512) isa_flags="-mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma -mprefer-vector-width=512" ;;
  avx2) isa_flags="-mavx2 -mfma" ;;
  *) echo "sgemm-pair: ISA must be avx512 or avx2, not '$isa'" >&2; exit 2 ;;
esac
flags="-O3 -std=c++17 $isa_flags -I$root/native/include"
for build in base new; do
  dir=$root/native/kernels
  [ "$build" = base ] && dir=$work/base
  for f in gemm blas1; do
    $cxx $flags -DCORTADO_ISA=${build}_build -I"$dir" -c "$dir/$f.cc" -o "$work/$build-$f.o"
  done
done
$cxx $flags -c "$root/native/src/threads.cc" -o "$work/threads.o"
$cxx $flags -c "$root/bench/sgemm-pair.cc" -o "$work/main.o"
$cxx "$work"/*.o "$lib" -lpthread -o "$work/sgemm-pair"
echo "sgemm-pair: base $(git -C "$root" rev-parse --short "$base"), new = working tree, $isa kernels, OpenBLAS $lib, $rounds rounds"
"$work/sgemm-pair" "$rounds" "$threads" "$@"
