#!/usr/bin/env node
// Builds the WebAssembly SIMD backend from the native addon's kernels (native/kernels, compiled
// with CORTADO_ISA=wasm) and native/wasm (the flat C ABI, a heap over a memory that never grows,
// the thread pool), four times: one thread or threads, each with SIMD128 alone or with relaxed
// SIMD too (f32x4.relaxed_madd, a fused multiply-add where the CPU has one; the loaders of
// src/backend/wasm/module.ts pick it where the engine validates it):
//   wasm/cortado.wasm                  one thread, a plain imported memory;
//   wasm/cortado-threads.wasm          atomics and a shared imported memory (max 4 GiB), one
//                                      instance per thread: exports __stack_pointer,
//                                      __wasm_init_tls, __tls_size and __tls_align so that the
//                                      host gives each instance its own stack and TLS block.
//                                      Debian's wasi-libc is built without atomics, so the link
//                                      skips the feature check (--no-check-features): the libc
//                                      functions used (memset, memcpy, logf, powf, expf) keep no
//                                      state but errno, which nothing reads;
//   wasm/cortado-relaxed.wasm          cortado.wasm with -mrelaxed-simd;
//   wasm/cortado-threads-relaxed.wasm  cortado-threads.wasm with -mrelaxed-simd.
//
// Needs Debian's clang-19 and lld-19 (clang 16 is the first to emit relaxed SIMD's final opcodes;
// the version is pinned because the committed files must match a rebuild byte for byte) and
// wasi-libc (for memset, memcpy, logf, powf). The build is deterministic (no paths or debug info
// in the output), so test/backend/wasm/build.test.ts rebuilds into a temporary folder and compares
// bytes with the committed files.
//
// Usage: node scripts/build-wasm.mjs [outDir]   (default wasm/; writes the four files there)
// Exit status 2 (and the reason on stderr) when the toolchain is missing, 1 when a step fails.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(process.argv[2] ?? join(root, 'wasm'));

/** The files built, and the flags that differ between them. */
const THREADS = {
  cflags: ['-matomics', '-mbulk-memory', '-mmutable-globals', '-ftls-model=local-exec'],
  ldflags: ['--shared-memory', '--max-memory=4294967296', '--no-check-features', '--export=__stack_pointer',
    '--export=__wasm_init_tls', '--export=__tls_size', '--export=__tls_align'],
};
export const VARIANTS = [
  { file: 'cortado.wasm', cflags: [], ldflags: [] },
  { file: 'cortado-threads.wasm', ...THREADS },
  { file: 'cortado-relaxed.wasm', cflags: ['-mrelaxed-simd'], ldflags: [] },
  { file: 'cortado-threads-relaxed.wasm', cflags: [...THREADS.cflags, '-mrelaxed-simd'], ldflags: THREADS.ldflags },
];

/** Whether `program` is on PATH (it answers --version). */
function found(program) {
  try {
    execFileSync(program, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const SYSROOT = '/usr';
const CXX = 'clang++-19', LD = 'wasm-ld-19';
const LIBC = '/usr/lib/wasm32-wasi/libc.a';

/** Why the toolchain is missing, or null when clang, wasm-ld and wasi-libc are all present. */
export function missingToolchain() {
  if (!found(CXX)) return `${CXX} not found (apt-get install clang-19)`;
  if (!found(LD)) return `${LD} not found (apt-get install lld-19)`;
  if (!existsSync(LIBC)) return `${LIBC} not found (apt-get install wasi-libc)`;
  return null;
}

const kernels = readdirSync(join(root, 'native', 'kernels')).filter((f) => f.endsWith('.cc') && f !== 'table.cc').sort();
const sources = [
  ...kernels.map((f) => join('native', 'kernels', f)),
  ...readdirSync(join(root, 'native', 'wasm')).filter((f) => f.endsWith('.cc')).sort().map((f) => join('native', 'wasm', f)),
];
// -disable-lsr: clang 14's loop strength reduction rewrote pointer steps into address arithmetic
// that wasm load/store offsets cannot hold, so every load in the GEMM tile cost V8 an extra
// instruction and the 5 x 8 tile spilled (LeNet trained a fifth slower). clang 19 trains LeNet as
// fast with or without it; with it, its output is 5% smaller.
const cflags = [
  '--target=wasm32-wasi', `--sysroot=${SYSROOT}`, '-O3', '-msimd128', '-mllvm', '-disable-lsr', '-std=c++17',
  '-fno-exceptions', '-fno-rtti', '-fno-threadsafe-statics', '-DCORTADO_ISA=wasm', '-Inative/include', '-Inative/kernels',
];

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const why = missingToolchain();
  if (why) {
    console.error(`build-wasm: ${why}`);
    process.exit(2);
  }
  const builtins = execFileSync(CXX, ['--target=wasm32-wasi', '--print-libgcc-file-name'], { encoding: 'utf8' }).trim();
  for (const variant of VARIANTS) {
    const out = join(outDir, variant.file);
    const objDir = mkdtempSync(join(tmpdir(), 'cortado-wasm-'));
    try {
      const objects = sources.map((src, i) => {
        const obj = join(objDir, `${i}.o`);
        execFileSync(CXX, [...cflags, ...variant.cflags, '-c', src, '-o', obj], { cwd: root, stdio: 'inherit' });
        return obj;
      });
      // The host imports the memory and sizes it once (see native/wasm/heap.cc): 1 MiB of stack.
      execFileSync(LD, [
        '--no-entry', '--import-memory', '--strip-all', '-z', 'stack-size=1048576', '--initial-memory=2097152',
        ...variant.ldflags, ...objects, LIBC, ...(existsSync(builtins) ? [builtins] : []), '-o', out,
      ], { stdio: 'inherit' });
      chmodSync(out, 0o644);  // wasm-ld marks its output executable; it is data
    } finally {
      rmSync(objDir, { recursive: true, force: true });
    }
    console.log(`build-wasm: wrote ${out}`);
  }
}
