/**
 * Builds the CPU emulation of the CUDA libraries (emu/: a fake libcuda.so.1, libnvrtc.so.13,
 * libcublas.so.13 and libcudnn.so.9) into build/cuda-emu with g++, and the addon itself when npm's
 * build has not made it, so that the whole CUDA backend (addon, kernel sources, TypeScript) runs on
 * a machine without a GPU. It checks the backend's logic, not the GPU: races, memory coalescing and the
 * real libraries' numerics are only seen on a device (gpu.test.ts, scripts/gpu-check.mjs).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../src/node/backend/cuda/addon.js';

function newer(out: string, inputs: string[]): boolean {
  if (!existsSync(out)) return false;
  const t = statSync(out).mtimeMs;
  return inputs.every((i) => statSync(i).mtimeMs <= t);
}

/**
 * g++ with `args`, writing `out`: into a file of this process first, then renamed, so that test
 * files run in parallel, each building what is out of date, never load a half-written library.
 */
function gxx(out: string, args: string[]): string | null {
  const tmp = `${out}.${process.pid}.tmp`;
  const r = spawnSync('g++', [...args, '-o', tmp], { encoding: 'utf8' });
  if (r.error) return `g++ not runnable: ${r.error.message}`;
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    return `g++ ${args.join(' ')} failed:\n${r.stderr}`;
  }
  renameSync(tmp, out);
  return null;
}

/** The folder to pass as CORTADO_CUDA_LIB_DIR, or why the emulator cannot be built here. */
export function buildEmulator(): { dir?: string; skip?: string } {
  const root = packageRoot();
  const src = join(root, 'test', 'backend', 'cuda', 'emu');
  const dir = join(root, 'build', 'cuda-emu');
  if (spawnSync('g++', ['--version']).error) return { skip: 'no g++ on this machine to build the CUDA emulator' };
  mkdirSync(dir, { recursive: true });
  const libs: [string, string][] = [['fake_cuda.cc', 'libcuda.so.1'], ['fake_nvrtc.cc', 'libnvrtc.so.13'], ['fake_cublas.cc', 'libcublas.so.13'],
    ['fake_cudnn.cc', 'libcudnn.so.9']];
  for (const [file, lib] of libs) {
    const out = join(dir, lib);
    if (newer(out, [join(src, file)])) continue;
    const err = gxx(out, ['-std=c++17', '-O1', '-shared', '-fPIC', join(src, file), '-ldl']);
    // A fake that does not compile is a failure of the tests, not a reason to skip them.
    if (err) throw new Error(`the CUDA emulator's ${file} does not build: ${err}`);
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
  const native = join(root, 'native', 'cuda');
  const sources = ['addon.cc', 'blas.cc', 'cudnn_conv.cc', 'graph.cc', 'kernels.cc', 'loader.cc', 'memory.cc'].map((f) => join(native, f));
  const built = join(root, 'build', 'Release', 'cortado_cuda.node');
  if (existsSync(built)) {
    // Tests of an addon older than its sources would check the old code.
    if (!newer(built, [...sources, join(native, 'addon.h'), join(native, 'cuda_api.h')])) {
      throw new Error(`${built} is older than native/cuda's sources: rebuild it (node scripts/install-native.mjs) before testing`);
    }
    return null;
  }
  const out = join(root, 'build', 'cuda-emu', 'cortado_cuda.node');
  mkdirSync(join(root, 'build', 'cuda-emu'), { recursive: true });
  if (!newer(out, [...sources, join(native, 'addon.h'), join(native, 'cuda_api.h')])) {
    const nodeInclude = join(process.execPath, '..', '..', 'include', 'node');
    const err = gxx(out, ['-std=c++17', '-O1', '-shared', '-fPIC', `-I${nodeInclude}`, '-I/usr/include/node', ...sources, '-ldl']);
    if (err && /not runnable/.test(err)) return err;
    if (err) throw new Error(`the CUDA addon does not build for the emulator: ${err}`);
  }
  process.env.CORTADO_CUDA_ADDON = out;
  return null;
}

/**
 * The standalone check of the fake cuDNN (emu/fake_cudnn_check.cc), built into build/cuda-emu: run
 * it with the folder of the emulated libraries; it prints what failed and exits 1, else exits 0.
 * Throws when it does not compile.
 */
export function buildCudnnCheck(): { path?: string; skip?: string } {
  const root = packageRoot();
  const source = join(root, 'test', 'backend', 'cuda', 'emu', 'fake_cudnn_check.cc');
  const out = join(root, 'build', 'cuda-emu', 'fake_cudnn_check');
  if (spawnSync('g++', ['--version']).error) return { skip: 'no g++ on this machine to build the check' };
  mkdirSync(join(root, 'build', 'cuda-emu'), { recursive: true });
  if (!newer(out, [source])) {
    const err = gxx(out, ['-std=c++17', '-O1', source, '-ldl']);
    if (err) throw new Error(err);
  }
  return { path: out };
}
