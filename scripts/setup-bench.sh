#!/usr/bin/env bash
# Installs the peers that `npm run bench` compares Cortado with (Debian bookworm, run as root):
#   - PyTorch from Debian (python3-torch) with OpenBLAS's pthread build, which torch's generic BLAS
#     then uses for SGEMM; it runs under Debian's /usr/bin/python3 (bench/run.ts looks there first);
#   - the npm peers: @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm are devDependencies;
#     onnxruntime-node (288 MB, only the benchmark needs it) is installed here without being
#     recorded, its install step told to skip its optional download (ONNXRUNTIME_NODE_INSTALL=skip):
#     the CPU binaries ship inside the npm package. A later `npm install` removes it again.
# Nothing is fetched from outside Debian's archive and the npm registry.
# Usage: scripts/setup-bench.sh [--apt-only | --npm-only]
set -euo pipefail
cd "$(dirname "$0")/.."

want_apt=1
want_npm=1
case "${1:-}" in
  --apt-only) want_npm=0 ;;
  --npm-only) want_apt=0 ;;
  "") ;;
  *) echo "setup-bench.sh: unknown option '$1' (expected --apt-only or --npm-only)" >&2; exit 2 ;;
esac

if [ "$want_apt" = 1 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -o DPkg::Lock::Timeout=600
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends \
    -o DPkg::Lock::Timeout=600 python3-torch libopenblas0-pthread
  /usr/bin/python3 -c 'import torch; print("setup-bench: torch", torch.__version__)'
fi

if [ "$want_npm" = 1 ]; then
  peers=(@tensorflow/tfjs @tensorflow/tfjs-backend-wasm onnxruntime-node)
  missing=()
  for p in "${peers[@]}"; do
    grep -q "\"$p\"" package.json || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    # Not yet in package.json: install the verified versions without recording them.
    declare -A verified=([@tensorflow/tfjs]=4.22.0 [@tensorflow/tfjs-backend-wasm]=4.22.0 [onnxruntime-node]=1.30.0)
    specs=()
    for p in "${missing[@]}"; do specs+=("$p@${verified[$p]}"); done
    ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save "${specs[@]}"
  else
    ONNXRUNTIME_NODE_INSTALL=skip npm install
  fi
  node -e 'for (const p of ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "onnxruntime-node"]) require.resolve(p); console.log("setup-bench: npm peers resolve")'
fi
