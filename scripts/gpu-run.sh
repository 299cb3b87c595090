#!/bin/bash
# Runs scripts/gpu-check.mjs on the GPU machine, from the project root, over what
# scripts/gpu-pack.sh prepared (.device, build, dist carried). Arguments go to gpu-check.mjs.
# The log also lands in $OUT/gpu-check.log when $OUT is set, with bench:big's results files.
set -uo pipefail
xz -dc .device/node.xz > /tmp/node && chmod +x /tmp/node || { echo "gpu-run: cannot unpack .device/node.xz"; exit 1; }
export PATH=/tmp:$PATH
[ -s .device/runtime.tar.xz ] && tar -xJf .device/runtime.tar.xz
for d in /usr/local/cuda*/targets/x86_64-linux/lib; do [ -d "$d" ] && LD_LIBRARY_PATH="$d:${LD_LIBRARY_PATH:-}"; done
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}"
[ -f .device/cortado_cuda.node ] && export CORTADO_CUDA_ADDON="$PWD/.device/cortado_cuda.node"
export CORTADO_CACHE_DIR="${CORTADO_CACHE_DIR:-/tmp/cortado-cache}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
if [ -n "${OUT:-}" ]; then
  started=$(mktemp)
  node scripts/gpu-check.mjs "$@" 2>&1 | tee "$OUT/gpu-check.log"
  # bench:big's results files from this run (the bignets parts), for bench/README.md
  [ -d bench/results ] && find bench/results -name 'big-nets-*.json' -newer "$started" -exec cp {} "$OUT/" \;
  rm -f "$started"
else
  node scripts/gpu-check.mjs "$@"
fi
