#!/usr/bin/env node
// Builds the WebAssembly SIMD128 backend from the native addon's kernels (native/kernels, compiled
// with CORTADO_ISA=wasm) and native/wasm (the flat C ABI, a heap over a memory that never grows,
// the thread pool), twice:
//   wasm/cortado.wasm          one thread, a plain imported memory;
//   wasm/cortado-threads.wasm  atomics and a shared imported memory (max 4 GiB), one instance per
//                              thread: exports __stack_pointer, __wasm_init_tls, __tls_size and
//                              __tls_align so that the host gives each instance its own stack and
//                              TLS block. Debian's wasi-libc is built without atomics, so the link
//                              skips the feature check (--no-check-features): the libc functions
//                              used (memset, memcpy, logf, powf, expf) keep no state but errno,
//                              which nothing reads.
//
// Needs Debian's clang and lld (clang 14 or later: wasm32 target and wasm-ld) and wasi-libc (for
// memset, memcpy, logf, powf). The build is deterministic (no paths or debug info in the
// output), so test/backend/wasm/build.test.ts rebuilds into a temporary folder and compares bytes
// with the committed file.
//
// Usage: node scripts/build-wasm.mjs [outDir]   (default wasm/; writes both files there)
// Exit status 2 (and the reason on stderr) when the toolchain is missing, 1 when a step fails.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(process.argv[2] ?? join(root, 'wasm'));

/** The files built, and the flags that differ between them. */
export const VARIANTS = [
  { file: 'cortado.wasm', cflags: [], ldflags: [] },
  {
    file: 'cortado-threads.wasm',
    cflags: ['-matomics', '-mbulk-memory', '-mmutable-globals', '-ftls-model=local-exec'],
    ldflags: ['--shared-memory', '--max-memory=4294967296', '--no-check-features', '--export=__stack_pointer',
      '--export=__wasm_init_tls', '--export=__tls_size', '--export=__tls_align'],
  },
];

/** The first of the given programs found on PATH, or null. */
function which(names) {
  for (const n of names) {
    try {
      execFileSync(n, ['--version'], { stdio: 'ignore' });
      return n;
    } catch { /* next */ }
  }
  return null;
}

export const SYSROOT = '/usr';
const LIBC = '/usr/lib/wasm32-wasi/libc.a';

/** Why the toolchain is missing, or null when clang, wasm-ld and wasi-libc are all present. */
export function missingToolchain() {
  if (!which(['clang++', 'clang++-14'])) return 'clang++ not found (apt-get install clang)';
  if (!which(['wasm-ld', 'wasm-ld-14'])) return 'wasm-ld not found (apt-get install lld)';
  if (!existsSync(LIBC)) return `${LIBC} not found (apt-get install wasi-libc)`;
  return null;
}

const kernels = readdirSync(join(root, 'native', 'kernels')).filter((f) => f.endsWith('.cc') && f !== 'table.cc').sort();
const sources = [
  ...kernels.map((f) => join('native', 'kernels', f)),
  ...readdirSync(join(root, 'native', 'wasm')).filter((f) => f.endsWith('.cc')).sort().map((f) => join('native', 'wasm', f)),
];
// -disable-lsr: clang 14's loop strength reduction rewrites pointer steps into address arithmetic
// that wasm load/store offsets cannot hold, so every load in the GEMM tile costs V8 an extra
// instruction and the 5 x 8 tile spills; without it LeNet trains about a fifth faster.
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
  const cxx = which(['clang++', 'clang++-14']);
  const ld = which(['wasm-ld', 'wasm-ld-14']);
  const builtins = execFileSync(cxx, ['--target=wasm32-wasi', '--print-libgcc-file-name'], { encoding: 'utf8' }).trim();
  for (const variant of VARIANTS) {
    const out = join(outDir, variant.file);
    const objDir = mkdtempSync(join(tmpdir(), 'cortado-wasm-'));
    try {
      const objects = sources.map((src, i) => {
        const obj = join(objDir, `${i}.o`);
        execFileSync(cxx, [...cflags, ...variant.cflags, '-c', src, '-o', obj], { cwd: root, stdio: 'inherit' });
        return obj;
      });
      // The host imports the memory and sizes it once (see native/wasm/heap.cc): 1 MiB of stack.
      execFileSync(ld, [
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
