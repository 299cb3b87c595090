/**
 * Builds the CPU emulation of the CUDA libraries (emu/: a fake libcuda.so.1, libnvrtc.so.13 and
 * libcublas.so.13) into build/cuda-emu with g++, and the addon itself when npm's build has not
 * made it, so that the whole CUDA backend (addon, kernel sources, TypeScript) runs on a machine
 * without a GPU. It checks the backend's logic, not the GPU: races, memory coalescing and the
 * real libraries' numerics are only seen on a device (gpu.test.ts, scripts/gpu-check.mjs).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../src/node/backend/cuda/addon.js';

function newer(out: string, inputs: string[]): boolean {
  if (!existsSync(out)) return false;
  const t = statSync(out).mtimeMs;
  return inputs.every((i) => statSync(i).mtimeMs <= t);
}

function gxx(args: string[]): string | null {
  const r = spawnSync('g++', args, { encoding: 'utf8' });
  if (r.error) return `g++ not runnable: ${r.error.message}`;
  return r.status === 0 ? null : `g++ ${args.join(' ')} failed:\n${r.stderr}`;
}

/** The folder to pass as CORTADO_CUDA_LIB_DIR, or why the emulator cannot be built here. */
export function buildEmulator(): { dir?: string; skip?: string } {
  const root = packageRoot();
  const src = join(root, 'test', 'backend', 'cuda', 'emu');
  const dir = join(root, 'build', 'cuda-emu');
  if (spawnSync('g++', ['--version']).error) return { skip: 'no g++ on this machine to build the CUDA emulator' };
  mkdirSync(dir, { recursive: true });
  const libs: [string, string][] = [['fake_cuda.cc', 'libcuda.so.1'], ['fake_nvrtc.cc', 'libnvrtc.so.13'], ['fake_cublas.cc', 'libcublas.so.13']];
  for (const [file, lib] of libs) {
    const out = join(dir, lib);
    if (newer(out, [join(src, file)])) continue;
    const err = gxx(['-std=c++17', '-O1', '-shared', '-fPIC', '-o', out, join(src, file), '-ldl']);
    if (err) return { skip: err };
  }
  copyFileSync(join(src, 'emu_kernel.h'), join(dir, 'emu_kernel.h'));
  return { dir };
}

/**
 * The addon to load: build/Release/cortado_cuda.node when npm built it, else one compiled here
 * into build/cuda-emu (set as CORTADO_CUDA_ADDON).
 */
export function ensureAddon(): string | null {
  const root = packageRoot();
  if (existsSync(join(root, 'build', 'Release', 'cortado_cuda.node'))) return null;
  const native = join(root, 'native', 'cuda');
  const sources = ['addon.cc', 'blas.cc', 'cudnn_conv.cc', 'graph.cc', 'kernels.cc', 'loader.cc', 'memory.cc'].map((f) => join(native, f));
  const out = join(root, 'build', 'cuda-emu', 'cortado_cuda.node');
  mkdirSync(join(root, 'build', 'cuda-emu'), { recursive: true });
  if (!newer(out, [...sources, join(native, 'addon.h'), join(native, 'cuda_api.h')])) {
    const nodeInclude = join(process.execPath, '..', '..', 'include', 'node');
    const err = gxx(['-std=c++17', '-O1', '-shared', '-fPIC', `-I${nodeInclude}`, '-I/usr/include/node', ...sources, '-o', out, '-ldl']);
    if (err) return err;
  }
  process.env.CORTADO_CUDA_ADDON = out;
  return null;
}
